import { readArtifactBytes, type ArtifactStore } from '../artifacts/index.ts';
import { formatIssues } from '../core/index.ts';
import { DatasetVersionError, datasetNotFound } from './errors.ts';
import { datasetVersionSchema, newDatasetId, versionKey, type DatasetVersion } from './manifest.ts';

/**
 * Dataset versions kept in an artifact store: each version's record at `datasets/<id>.json`,
 * its files as content-addressed blobs. Any machine that opens the same artifact store sees the
 * same versions. A record is rewritten whole (an atomic put), so a reader sees a draft or a
 * closed version, never a mix.
 */
export class DatasetCatalog {
  constructor(readonly artifacts: ArtifactStore) {}

  /** A new draft; with `parent` (a closed version) it starts holding the parent's files. */
  async create(input: { project: string; name: string; parent?: string }): Promise<DatasetVersion> {
    if (!input.project.trim()) throw new DatasetVersionError('DATASET_INPUT_INVALID', '--project must not be empty; give the project the version belongs to.');
    if (!input.name.trim()) throw new DatasetVersionError('DATASET_INPUT_INVALID', '--name must not be empty; give the dataset a name (versions of one name form its history).');
    const parent = input.parent ? await this.get(input.parent) : undefined;
    if (parent && parent.state !== 'closed') {
      throw new DatasetVersionError('DATASET_PARENT_OPEN', `Parent ${parent.id} is still a draft; close it first (\`hpo data close ${parent.id}\`).`);
    }
    const version: DatasetVersion = {
      id: newDatasetId(),
      project: input.project,
      name: input.name,
      parent: parent?.id,
      state: 'draft',
      createdAt: Date.now(),
      yaml: parent?.yaml,
      files: parent ? parent.files.map(({ path, sha256, size }) => ({ path, sha256, size })) : [],
    };
    if (version.parent === undefined) delete version.parent;
    if (version.yaml === undefined) delete version.yaml;
    await this.save(version);
    return version;
  }

  async get(id: string): Promise<DatasetVersion> {
    if (!/^ds-[a-z0-9]{14}$/.test(id)) {
      throw new DatasetVersionError('DATASET_ID_INVALID', `Invalid dataset id ${JSON.stringify(id)}: ids look like ds-<14 characters of [a-z0-9]>, as \`hpo data list\` prints them.`);
    }
    const head = await this.artifacts.head(versionKey(id));
    if (!head) throw datasetNotFound(id, this.artifacts.spec);
    return this.parse(await readArtifactBytes(this.artifacts, versionKey(id)), id);
  }

  /** Every version (of `project`, when given), oldest first. */
  async list(filter: { project?: string; name?: string } = {}): Promise<DatasetVersion[]> {
    const rows = await this.artifacts.list('datasets/');
    const versions: DatasetVersion[] = [];
    for (const row of rows) {
      if (!row.key.endsWith('.json')) continue;
      const v = this.parse(await readArtifactBytes(this.artifacts, row.key), row.key);
      if ((filter.project === undefined || v.project === filter.project) && (filter.name === undefined || v.name === filter.name)) versions.push(v);
    }
    return versions.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  /** The latest closed version of project/name, or undefined. */
  async latest(project: string, name: string): Promise<DatasetVersion | undefined> {
    const closed = (await this.list({ project, name })).filter((v) => v.state === 'closed');
    return closed.sort((a, b) => (a.closedAt ?? 0) - (b.closedAt ?? 0)).at(-1);
  }

  /** Writes a version's record (drafts as they change; a closed one once). */
  async save(version: DatasetVersion): Promise<void> {
    await this.artifacts.put(versionKey(version.id), JSON.stringify(version));
  }

  private parse(bytes: Buffer, where: string): DatasetVersion {
    let doc: unknown;
    try {
      doc = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      throw new DatasetVersionError('DATASET_RECORD_DAMAGED', `Dataset record ${where} in ${this.artifacts.spec} is not JSON (${(error as Error).message}).`);
    }
    const parsed = datasetVersionSchema.safeParse(doc);
    if (!parsed.success) throw new DatasetVersionError('DATASET_RECORD_DAMAGED', formatIssues(parsed.error.issues, `dataset record ${where}`));
    return parsed.data;
  }
}

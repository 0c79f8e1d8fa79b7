import Table from 'cli-table3';
import type { DatasetVersion, YamlValidator } from '../../datasets/index.ts';
import { logLine, openCliArtifacts, resolveStoreSpec, type GlobalOptions } from '../context.ts';

/**
 * The dataset catalog over this command's artifact store (`--artifacts`, HPO_ARTIFACTS, or
 * beside the task store, which is not opened: datasets live in the artifact store alone).
 */
async function openCatalog(globals: GlobalOptions) {
  const stores = await openCliArtifacts(globals, resolveStoreSpec(globals));
  const { DatasetCatalog } = await import('../../datasets/index.ts');
  return new DatasetCatalog(stores.primary); // closed by the CLI entry with the artifact store
}

/** The YOLOv5 trainer's own data yaml parser, so a closed version is one training accepts. */
async function yoloValidator(): Promise<YamlValidator> {
  const { loadDatasetConfig } = await import('../../trainers/yolov5/data/config.ts');
  return loadDatasetConfig;
}

function print(json: boolean | undefined, value: unknown, text: string): void {
  process.stdout.write(json ? JSON.stringify(value, null, 2) + '\n' : text);
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** `hpo data create`: a new draft version; prints its id. */
export async function dataCreateCommand(options: { project: string; name: string; parent?: string; json?: boolean }, globals: GlobalOptions): Promise<void> {
  const catalog = await openCatalog(globals);
  const version = await catalog.create(options);
  print(options.json, version, `${version.id}\n`);
}

/** `hpo data add <id> <path...>`: records files (hashed now, uploaded at close). */
export async function dataAddCommand(id: string, paths: string[], options: { datasetPath?: string }, globals: GlobalOptions): Promise<void> {
  const catalog = await openCatalog(globals);
  const { addFiles } = await import('../../datasets/index.ts');
  const { version, added } = await addFiles(catalog, id, paths, options.datasetPath);
  logLine(globals, 'info', `${id}: added ${added} files (${version.files.length} in the draft)`);
}

/** `hpo data remove <id> <glob>`. */
export async function dataRemoveCommand(id: string, glob: string, globals: GlobalOptions): Promise<void> {
  const catalog = await openCatalog(globals);
  const { removeFiles } = await import('../../datasets/index.ts');
  const { version, removed } = await removeFiles(catalog, id, glob);
  logLine(globals, 'info', `${id}: removed ${removed} files matching ${glob} (${version.files.length} left)`);
}

/** `hpo data close <id>`: checks the YOLO layout, uploads what the store lacks, makes it immutable. */
export async function dataCloseCommand(id: string, options: { yaml?: string; json?: boolean }, globals: GlobalOptions): Promise<void> {
  const catalog = await openCatalog(globals);
  const { closeVersion } = await import('../../datasets/index.ts');
  const result = await closeVersion(catalog, id, { validate: await yoloValidator(), yaml: options.yaml });
  logLine(globals, 'info', `${id}: closed, ${result.version.files.length} files; uploaded ${result.uploaded} blobs (${mib(result.uploadedBytes)}), ${result.reused} already stored`);
  print(options.json, { id, uploaded: result.uploaded, uploadedBytes: result.uploadedBytes, reused: result.reused, contentHash: result.version.contentHash }, `${id}\n`);
}

/** `hpo data sync`: one new closed version holding exactly a folder, uploading only what changed. */
export async function dataSyncCommand(options: { project: string; name: string; folder: string; parent?: string; yaml?: string; json?: boolean }, globals: GlobalOptions): Promise<void> {
  const catalog = await openCatalog(globals);
  const { syncFolder } = await import('../../datasets/index.ts');
  const r = await syncFolder(catalog, options, { validate: await yoloValidator(), yaml: options.yaml });
  logLine(globals, 'info', `${r.version.id}: ${r.added} added, ${r.modified} modified, ${r.removed} removed, ${r.unchanged} unchanged against ${r.version.parent ?? 'nothing'}; uploaded ${r.uploaded} blobs (${mib(r.uploadedBytes)})`);
  const summary = { id: r.version.id, parent: r.version.parent ?? null, added: r.added, modified: r.modified, removed: r.removed, unchanged: r.unchanged, uploaded: r.uploaded, uploadedBytes: r.uploadedBytes, contentHash: r.version.contentHash };
  print(options.json, summary, `${r.version.id}\n`);
}

/** `hpo data list [--project P]`. */
export async function dataListCommand(options: { project?: string; json?: boolean }, globals: GlobalOptions): Promise<void> {
  const catalog = await openCatalog(globals);
  const versions = await catalog.list({ project: options.project });
  const table = new Table({ head: ['id', 'project', 'name', 'state', 'files', 'size', 'parent', 'created'], style: { head: [], border: [] } });
  for (const v of versions) table.push([v.id, v.project, v.name, v.state, v.files.length, mib(total(v)), v.parent ?? '', new Date(v.createdAt).toISOString().slice(0, 19)]);
  print(options.json, versions.map(({ files, ...v }) => ({ ...v, fileCount: files.length, bytes: total({ files } as DatasetVersion) })), versions.length ? table.toString() + '\n' : 'no dataset versions\n');
}

/** `hpo data show <id>`: files, sizes, totals and the change against its parent. */
export async function dataShowCommand(id: string, options: { json?: boolean; files?: boolean }, globals: GlobalOptions): Promise<void> {
  const catalog = await openCatalog(globals);
  const { diffManifests } = await import('../../datasets/index.ts');
  const version = await catalog.get(id);
  const parent = version.parent ? await catalog.get(version.parent) : undefined;
  const change = diffManifests(version.files, parent?.files ?? []);
  const lines = [
    `${version.id}  ${version.project}/${version.name}  ${version.state}`,
    `files ${version.files.length}, ${mib(total(version))}${version.yaml ? `, data yaml ${version.yaml}` : ''}`,
    version.contentHash ? `content ${version.contentHash}` : '',
    `against ${parent ? `parent ${parent.id}` : 'no parent'}: ${change.added.length} added, ${change.modified.length} modified, ${change.removed.length} removed, ${change.unchanged} unchanged`,
    ...[...change.added.map((p) => `  + ${p}`), ...change.modified.map((p) => `  ~ ${p}`), ...change.removed.map((p) => `  - ${p}`)].slice(0, 50),
    ...(options.files ? version.files.map((f) => `  ${f.sha256.slice(0, 12)} ${String(f.size).padStart(10)} ${f.path}`) : []),
  ];
  print(options.json, { ...version, change }, lines.filter(Boolean).join('\n') + '\n');
}

/** `hpo data get <id> [--out DIR]`: a verified local copy; prints its folder. */
export async function dataGetCommand(id: string, options: { out?: string; cache?: string; json?: boolean }, globals: GlobalOptions): Promise<void> {
  const catalog = await openCatalog(globals);
  const { fetchVersion } = await import('../../datasets/index.ts');
  const r = await fetchVersion(catalog, id, { out: options.out, cacheDir: options.cache });
  logLine(globals, 'info', `${id}: ${r.version.files.length} files at ${r.dir} (${r.downloaded} blobs downloaded)`);
  print(options.json, { id, dir: r.dir, yaml: r.yamlPath, downloaded: r.downloaded }, `${r.dir}\n`);
}

function total(v: Pick<DatasetVersion, 'files'>): number {
  return v.files.reduce((s, f) => s + f.size, 0);
}

import type { ArtifactStore } from '../artifacts/index.ts';
import type { DatasetUse, Params } from '../core/index.ts';
import { DatasetCatalog } from './catalog.ts';
import { DatasetVersionError } from './errors.ts';
import { fetchVersion } from './fetch.ts';

/** `hpo://<dataset-id>` or `hpo://<project>/<name>` (the latest closed version). */
export function parseDataUri(uri: string): { id: string } | { project: string; name: string } {
  const rest = uri.slice('hpo://'.length);
  const slash = rest.indexOf('/');
  if (slash < 0) {
    if (!/^ds-[a-z0-9]{14}$/.test(rest)) throw new DatasetVersionError('DATASET_URI_INVALID', `args/data="${uri}": expected hpo://<dataset-id> (ds-..., from \`hpo data list\`) or hpo://<project>/<name>.`);
    return { id: rest };
  }
  const project = decodeURIComponent(rest.slice(0, slash));
  const name = decodeURIComponent(rest.slice(slash + 1));
  if (!project || !name) throw new DatasetVersionError('DATASET_URI_INVALID', `args/data="${uri}": expected hpo://<project>/<name> with both parts non-empty.`);
  return { project, name };
}

/**
 * Resolves the dataset version a URI names, fetches it into the local cache if missing, and
 * returns the local path of its data yaml with the version's id and content hash.
 */
export async function resolveDataUri(uri: string, artifacts: ArtifactStore, cacheDir?: string): Promise<{ yamlPath: string; use: DatasetUse }> {
  const catalog = new DatasetCatalog(artifacts);
  const ref = parseDataUri(uri);
  let id: string;
  if ('id' in ref) id = ref.id;
  else {
    const latest = await catalog.latest(ref.project, ref.name);
    if (!latest) throw new DatasetVersionError('DATASET_NOT_FOUND', `args/data="${uri}": no closed version of dataset "${ref.name}" in project "${ref.project}" in ${artifacts.spec}. Create one with \`hpo data sync --project ${ref.project} --name ${ref.name} --folder DIR\`.`);
    id = latest.id;
  }
  const fetched = await fetchVersion(catalog, id, { cacheDir });
  return { yamlPath: fetched.yamlPath, use: { uri, id, contentHash: fetched.version.contentHash ?? '' } };
}

/**
 * The worker's step before a trainer runs: when `args/data` is an `hpo://` URI, fetch that
 * version and hand the trainer its local yaml path instead, recording which version it was.
 * Other params pass through unchanged.
 */
export async function resolveDataParam(
  params: Params,
  ctx: {
    /** The artifact store versions are read from; called only when `args/data` names one (it may throw). */
    artifacts(): ArtifactStore;
    cacheDir?: string;
    log(line: string): void;
    record(use: DatasetUse): Promise<void>;
  },
): Promise<Params> {
  const data = params['args/data'];
  if (typeof data !== 'string' || !data.startsWith('hpo://')) return params;
  const { yamlPath, use } = await resolveDataUri(data, ctx.artifacts(), ctx.cacheDir);
  ctx.log(`dataset ${use.id} (${data}) at ${yamlPath}`);
  await ctx.record(use);
  return { ...params, 'args/data': yamlPath };
}

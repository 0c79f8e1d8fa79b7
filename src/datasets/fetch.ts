import { copyFile, link, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ArtifactHashMismatchError } from '../artifacts/index.ts';
import type { DatasetCatalog } from './catalog.ts';
import { DatasetVersionError, blobMissing } from './errors.ts';
import { forEachLimit } from './hash-file.ts';
import { assertDatasetPath, blobKey, type DatasetVersion } from './manifest.ts';

/** The local dataset cache: $HPO_CACHE, else ~/.cache/hpo. */
export function defaultCacheDir(env: Record<string, string | undefined> = process.env): string {
  return resolve(env.HPO_CACHE ?? join(os.homedir(), '.cache', 'hpo'));
}

/** Written last into a materialized version: its presence means the tree is whole. */
const MARKER = '.hpo-dataset.json';

export interface FetchResult {
  version: DatasetVersion;
  /** The version's root folder on this machine. */
  dir: string;
  /** Its data yaml there (absolute). */
  yamlPath: string;
  /** Blobs downloaded (0 when the cache already held everything). */
  downloaded: number;
}

/**
 * `hpo data get`: a local copy of a closed version. Blobs are downloaded once per machine into
 * `<cache>/blobs/` (each verified against its sha256), and the tree is built from hard links to
 * them (copies across file systems): `<cache>/datasets/<id>/` by default, or `out`, which must be
 * empty or absent. The tree is built aside and renamed into place, with a marker written last,
 * so a half-built tree is never taken for a whole one.
 */
export async function fetchVersion(catalog: DatasetCatalog, id: string, options: { cacheDir?: string; out?: string } = {}): Promise<FetchResult> {
  const version = await catalog.get(id);
  if (version.state !== 'closed') throw new DatasetVersionError('DATASET_NOT_CLOSED', `Dataset version ${id} is a draft; close it (\`hpo data close ${id}\`) before using it.`);
  const cache = options.cacheDir ?? defaultCacheDir();
  const dir = options.out ? resolve(options.out) : join(cache, 'datasets', id);
  const yamlPath = join(dir, version.yaml ?? '');
  if (await isComplete(dir, version)) return { version, dir, yamlPath, downloaded: 0 };
  if (options.out && (await readdir(dir).catch(() => [])).length > 0) {
    throw new DatasetVersionError('DATASET_OUT_NOT_EMPTY', `--out ${dir} is not empty; choose an empty or new folder.`);
  }
  let downloaded = 0;
  // Unique per call: two trials of one process may fetch the same version at once.
  const staging = `${dir}.partial-${randomUUID()}`;
  try {
    for (const f of version.files) assertDatasetPath(f.path);
    const blobFile = (sha256: string) => join(cache, 'blobs', 'sha256', sha256.slice(0, 2), sha256);
    // Each distinct content once, then the tree as links to it.
    const distinct = [...new Map(version.files.map((f) => [f.sha256, f])).values()];
    await forEachLimit(distinct, 8, async (f) => {
      const blob = blobFile(f.sha256);
      const cached = await stat(blob).catch(() => undefined);
      if (cached && cached.size === f.size) return;
      const head = await catalog.artifacts.head(blobKey(f.sha256));
      if (!head) throw blobMissing(id, f.path, f.sha256, catalog.artifacts.spec);
      if (head.sha256 !== f.sha256) throw new ArtifactHashMismatchError(blobKey(f.sha256), f.sha256, head.sha256, `Blob of "${f.path}" in dataset version ${id},`);
      await catalog.artifacts.getFile(blobKey(f.sha256), blob); // sha256-verified
      downloaded++;
    });
    await forEachLimit(version.files, 8, async (f) => {
      const target = join(staging, f.path);
      await mkdir(dirname(target), { recursive: true });
      await link(blobFile(f.sha256), target).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST') return;
        await copyFile(blobFile(f.sha256), target); // another file system, or links not allowed
      });
    });
    await writeFile(join(staging, MARKER), JSON.stringify({ id, contentHash: version.contentHash }));
    await mkdir(dirname(dir), { recursive: true });
    await moveIntoPlace(staging, dir, version);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return { version, dir, yamlPath, downloaded };
}

/**
 * Renames the built tree to `dir`. Another fetcher may have put a whole tree there first (a trial
 * may already read it: it is kept, ours dropped); a tree that is not whole is moved aside first.
 */
async function moveIntoPlace(staging: string, dir: string, version: DatasetVersion): Promise<void> {
  try {
    await rename(staging, dir);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
  }
  if (await isComplete(dir, version)) return;
  const aside = `${dir}.stale-${randomUUID()}`;
  await rename(dir, aside).catch(() => {});
  try {
    await rename(staging, dir);
  } finally {
    await rm(aside, { recursive: true, force: true });
  }
}

async function isComplete(dir: string, version: DatasetVersion): Promise<boolean> {
  const marker = await readFile(join(dir, MARKER), 'utf8').then((t) => JSON.parse(t) as { contentHash?: string }, () => undefined);
  if (marker?.contentHash !== version.contentHash) return false;
  // A cheap check that nothing was removed or truncated; full rehashing is for `hpo data get --verify`.
  for (const f of version.files) {
    const st = await stat(join(dir, f.path)).catch(() => undefined);
    if (!st || st.size !== f.size) return false;
  }
  return true;
}

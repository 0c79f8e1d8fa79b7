import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import type { DatasetCatalog } from './catalog.ts';
import { DatasetVersionError, datasetClosed } from './errors.ts';
import { forEachLimit, hashFile } from './hash-file.ts';
import { assertDatasetPath, globToRegExp, type DatasetFile, type DatasetVersion } from './manifest.ts';

/** Every regular file under `dir`, as [absolute path, path relative to dir with "/"]. */
export async function walkFolder(dir: string): Promise<Array<[string, string]>> {
  const root = resolve(dir);
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e): [string, string] => {
      const abs = join(e.parentPath ?? (e as { path: string }).path, e.name);
      return [abs, relative(root, abs).split(sep).join('/')];
    })
    .sort((a, b) => (a[1] < b[1] ? -1 : 1));
}

/** Hashes local files into draft entries `[datasetPath, absolute source]`. */
export async function hashEntries(entries: ReadonlyArray<[string, string]>): Promise<DatasetFile[]> {
  const files: DatasetFile[] = new Array(entries.length);
  await forEachLimit(entries, 8, async ([path, source], i) => {
    assertDatasetPath(path);
    files[i] = { path, source, ...(await hashFile(source)) };
  });
  return files;
}

/**
 * `hpo data add`: records local files or folders in a draft under `datasetPath` (default the
 * version's root). Hashes now; the bytes upload at close. A path already in the draft is replaced.
 */
export async function addFiles(catalog: DatasetCatalog, id: string, paths: readonly string[], datasetPath = ''): Promise<{ version: DatasetVersion; added: number }> {
  const version = await openDraft(catalog, id);
  const prefix = datasetPath.replace(/^\.\/?/, '').replace(/\/+$/, '');
  if (prefix) assertDatasetPath(prefix);
  const entries: Array<[string, string]> = [];
  for (const p of paths) {
    const st = await stat(p).catch(() => undefined);
    if (!st) throw new DatasetVersionError('DATASET_SOURCE_MISSING', `Cannot add ${JSON.stringify(p)}: no such file or folder.`);
    const under = (rel: string) => (prefix ? `${prefix}/${rel}` : rel);
    if (st.isDirectory()) for (const [abs, rel] of await walkFolder(p)) entries.push([under(rel), abs]);
    else entries.push([under(basename(p)), resolve(p)]);
  }
  const added = await hashEntries(entries);
  const byPath = new Map(version.files.map((f) => [f.path, f]));
  for (const f of added) byPath.set(f.path, f);
  version.files = [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
  await catalog.save(version);
  return { version, added: added.length };
}

/** `hpo data remove`: drops the draft's files matching `glob` (`*`, `**`, `?`). */
export async function removeFiles(catalog: DatasetCatalog, id: string, glob: string): Promise<{ version: DatasetVersion; removed: number }> {
  const version = await openDraft(catalog, id);
  const pattern = globToRegExp(glob.replace(/^\.\//, ''));
  const before = version.files.length;
  version.files = version.files.filter((f) => !pattern.test(f.path));
  await catalog.save(version);
  return { version, removed: before - version.files.length };
}

/** The version `id`, which must still be a draft. */
export async function openDraft(catalog: DatasetCatalog, id: string): Promise<DatasetVersion> {
  const version = await catalog.get(id);
  if (version.state !== 'draft') throw datasetClosed(id);
  return version;
}

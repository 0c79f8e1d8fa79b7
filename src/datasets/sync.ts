import type { DatasetCatalog } from './catalog.ts';
import { closeVersion, type CloseOptions, type CloseResult } from './close.ts';
import { DatasetVersionError } from './errors.ts';
import { hashEntries, walkFolder } from './draft.ts';
import { diffManifests, type DatasetFile } from './manifest.ts';

export interface SyncResult extends CloseResult {
  added: number;
  modified: number;
  removed: number;
  unchanged: number;
}

/**
 * `hpo data sync`: one new closed version holding exactly `folder`, as a child of `parent`
 * (default: the latest closed version of project/name). Only files whose content the store
 * lacks are uploaded.
 */
export async function syncFolder(
  catalog: DatasetCatalog,
  input: { project: string; name: string; folder: string; parent?: string },
  options: CloseOptions,
): Promise<SyncResult> {
  const parentId = input.parent ?? (await catalog.latest(input.project, input.name))?.id;
  const entries = await walkFolder(input.folder).catch((error: NodeJS.ErrnoException) => {
    throw new DatasetVersionError('DATASET_SOURCE_MISSING', `Cannot sync ${JSON.stringify(input.folder)}: ${error.code === 'ENOENT' ? 'no such folder' : error.message}.`);
  });
  const files = await hashEntries(entries.map(([abs, rel]): [string, string] => [rel, abs]));
  const draft = await catalog.create({ project: input.project, name: input.name, parent: parentId });
  const before = new Map(draft.files.map((f) => [f.path, f.sha256]));
  // Unchanged files keep no source: their blobs are the parent's.
  draft.files = files.map((f): DatasetFile => (before.get(f.path) === f.sha256 ? { path: f.path, sha256: f.sha256, size: f.size } : f));
  const diff = diffManifests(draft.files, [...before].map(([path, sha256]) => ({ path, sha256, size: 0 })));
  await catalog.save(draft);
  const closed = await closeVersion(catalog, draft.id, options);
  return { ...closed, added: diff.added.length, modified: diff.modified.length, removed: diff.removed.length, unchanged: diff.unchanged };
}

import { readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { isFinal, type Task } from '../../core/index.ts';
import { parseOrThrow } from '../../core/parse-input.ts';
import { openCliArtifacts, openCliStore, type GlobalOptions } from '../context.ts';

const gcFlags = z.looseObject({
  olderThan: z.coerce.number({ message: '--older-than must be a number of minutes' }).min(0, { message: '--older-than must be >= 0 (minutes)' }).default(60),
});

/**
 * `hpo gc [--dry-run]`: removes what nothing needs any more, all of it older than
 * `--older-than` minutes so that an upload or a trial in flight is never taken for garbage:
 * task artifacts no task record references (a crash between upload and record, a damaged
 * record), dataset blobs no version lists, temporary uploads of killed writers, and the
 * scratch folders of finished tasks.
 */
export async function gcCommand(options: { dryRun?: boolean; olderThan?: string; json?: boolean }, globals: GlobalOptions): Promise<void> {
  const { olderThan } = parseOrThrow(gcFlags, options, 'flags');
  const cutoff = Date.now() - olderThan * 60_000;
  const { store, storeSpec } = await openCliStore(globals);
  const artifacts = (await openCliArtifacts(globals, storeSpec)).primary;
  const { DatasetCatalog, blobKey } = await import('../../datasets/index.ts');
  const tasks = await store.list();
  // By key alone: keys name their task (`tasks/<id>/...`), whichever store a record names.
  const referenced = new Set(tasks.flatMap((t) => Object.values(t.artifacts).map((r) => r.key)));
  const orphans = (await artifacts.list('tasks/')).filter((row) => !referenced.has(row.key) && row.createdAt < cutoff);
  // Drafts count: their files upload at close, before the closed record is written.
  const listed = new Set((await new DatasetCatalog(artifacts).list()).flatMap((v) => v.files.map((f) => blobKey(f.sha256))));
  const unusedBlobs = (await artifacts.list('blobs/')).filter((row) => !listed.has(row.key) && row.createdAt < cutoff);
  const scratch = await staleScratchFolders(storeSpec, new Map(tasks.map((t) => [t.id, t])), cutoff);
  let uploads = 0;
  if (!options.dryRun) {
    for (const row of [...orphans, ...unusedBlobs]) await artifacts.delete(row.key);
    for (const dir of scratch) await rm(dir, { recursive: true, force: true });
    uploads = await artifacts.sweepUploads(olderThan * 60_000);
  }
  const bytes = [...orphans, ...unusedBlobs].reduce((sum, r) => sum + r.size, 0);
  if (options.json) {
    const summary = { dryRun: Boolean(options.dryRun), orphanedArtifacts: orphans.map((r) => r.key), unusedBlobs: unusedBlobs.length, bytes, scratchFolders: scratch, staleUploads: uploads };
    process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    return;
  }
  const verb = options.dryRun ? 'would remove' : 'removed';
  for (const row of orphans) process.stdout.write(`${verb} ${artifacts.describe(row.key)} (${row.size} bytes, no task references it)\n`);
  for (const dir of scratch) process.stdout.write(`${verb} scratch folder ${dir}\n`);
  process.stdout.write(
    `${verb} ${orphans.length} orphaned artifacts, ${unusedBlobs.length} unused dataset blobs (${bytes} bytes in all), ${scratch.length} scratch folders` +
      `${options.dryRun ? '' : `, ${uploads} stale uploads`}\n`,
  );
}

/**
 * Scratch folders (see the worker's makeWorkDir) of tasks that ended, or that no longer exist,
 * untouched since `cutoff`: `<store>/work/<task-id>-<6 random characters>` for a file store. In the OS temp
 * folder (the Redis store's) only folders of known, finished tasks: others may not be ours.
 */
async function staleScratchFolders(storeSpec: string, tasks: Map<string, Task>, cutoff: number): Promise<string[]> {
  const redis = /^rediss?:\/\//i.test(storeSpec);
  const root = redis ? os.tmpdir() : path.join(storeSpec.startsWith('file://') ? fileURLToPath(storeSpec) : storeSpec, 'work');
  const pattern = redis ? /^hpo-([A-Za-z0-9_-]{1,64})-[A-Za-z0-9]{6}$/ : /^([A-Za-z0-9_-]{1,64})-[A-Za-z0-9]{6}$/;
  const found: string[] = [];
  for (const name of await readdir(root).catch(() => [] as string[])) {
    const id = pattern.exec(name)?.[1];
    if (id === undefined) continue;
    const task = tasks.get(id);
    if (task ? !isFinal(task.status) : redis) continue;
    const st = await stat(path.join(root, name)).catch(() => undefined);
    if (st?.isDirectory() && st.mtimeMs < cutoff) found.push(path.join(root, name));
  }
  return found;
}

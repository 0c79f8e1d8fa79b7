import { readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { isFinal } from '../../core/index.ts';
import { parseOrThrow } from '../../core/parse-input.ts';
import { logLine, openCliArtifacts, openCliStore, type GlobalOptions } from '../context.ts';

/** `hpo tasks delete <id...>`: deletes each task's artifacts; the record stays and says so. */
export async function tasksDeleteCommand(ids: string[], globals: GlobalOptions): Promise<void> {
  const { store, storeSpec } = await openCliStore(globals);
  const stores = await openCliArtifacts(storeSpec);
  const { deleteTaskArtifacts } = await import('../../artifacts/index.ts');
  try {
    for (const id of ids) await store.get(id); // every id checked before anything is deleted
    for (const id of ids) {
      const gone = await deleteTaskArtifacts(store, stores, id, 'deleted by `hpo tasks delete`');
      logLine(globals, 'info', `${id}: deleted ${gone.length} artifacts (${gone.reduce((s, r) => s + r.size, 0)} bytes)`);
    }
  } finally {
    await stores.close();
    await store.close();
  }
}

/** `hpo tasks archive <id...>`: tags them `archived`. */
export async function tasksArchiveCommand(ids: string[], globals: GlobalOptions): Promise<void> {
  const { store } = await openCliStore(globals);
  try {
    for (const id of ids) await store.get(id);
    for (const id of ids) {
      const task = await store.get(id);
      if (!task.tags.includes('archived')) await store.update(id, { tags: [...task.tags, 'archived'] });
    }
    logLine(globals, 'info', `archived ${ids.length} tasks`);
  } finally {
    await store.close();
  }
}

const gcFlags = z.looseObject({
  olderThan: z.coerce.number({ message: '--older-than must be a number of minutes' }).min(0, { message: '--older-than must be >= 0' }).default(60),
});

/**
 * `hpo gc`: artifacts under `tasks/` that no task references (a task deleted, or a crash between
 * upload and record), dataset blobs no version lists, temporary uploads of killed writers, and
 * scratch folders of finished tasks. Only things older than --older-than, so an upload in
 * flight is never taken for an orphan.
 */
export async function gcCommand(options: { dryRun?: boolean; olderThan?: string; json?: boolean }, globals: GlobalOptions): Promise<void> {
  const { olderThan } = parseOrThrow(gcFlags, options, 'flags');
  const cutoff = Date.now() - olderThan * 60_000;
  const { store, storeSpec } = await openCliStore(globals);
  const stores = await openCliArtifacts(storeSpec);
  const artifacts = stores.primary;
  const { DatasetCatalog, blobKey } = await import('../../datasets/index.ts');
  try {
    const tasks = await store.list();
    const byId = new Map(tasks.map((t) => [t.id, t]));
    const referenced = new Set(tasks.flatMap((t) => Object.values(t.artifacts).filter((r) => r.store === artifacts.spec).map((r) => r.key)));
    const orphans = (await artifacts.list('tasks/')).filter((row) => !referenced.has(row.key) && row.createdAt < cutoff);
    const versions = await new DatasetCatalog(artifacts).list();
    const blobs = new Set(versions.flatMap((v) => v.files.map((f) => blobKey(f.sha256))));
    const unusedBlobs = (await artifacts.list('blobs/')).filter((row) => !blobs.has(row.key) && row.createdAt < cutoff);
    const workRoot = path.join(os.tmpdir(), 'hpo-work');
    const scratch: string[] = [];
    for (const id of await readdir(workRoot).catch(() => [] as string[])) {
      const task = byId.get(id);
      const st = await stat(path.join(workRoot, id)).catch(() => undefined);
      if (st && st.mtimeMs < cutoff && (!task || isFinal(task.status))) scratch.push(path.join(workRoot, id));
    }
    let uploads = 0;
    if (!options.dryRun) {
      for (const row of [...orphans, ...unusedBlobs]) await artifacts.delete(row.key);
      for (const dir of scratch) await rm(dir, { recursive: true, force: true });
      uploads = await artifacts.sweepUploads(olderThan * 60_000);
    }
    const bytes = [...orphans, ...unusedBlobs].reduce((s, r) => s + r.size, 0);
    const summary = { dryRun: Boolean(options.dryRun), orphanedArtifacts: orphans.map((r) => r.key), unusedBlobs: unusedBlobs.length, bytes, scratchFolders: scratch, staleUploads: uploads };
    if (options.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    else {
      const verb = options.dryRun ? 'would remove' : 'removed';
      for (const row of orphans) process.stdout.write(`${verb} ${artifacts.describe(row.key)} (${row.size} bytes, no task references it)\n`);
      for (const dir of scratch) process.stdout.write(`${verb} scratch folder ${dir}\n`);
      process.stdout.write(`${verb} ${orphans.length} orphaned artifacts, ${unusedBlobs.length} unused dataset blobs (${bytes} bytes), ${scratch.length} scratch folders${options.dryRun ? '' : `, ${uploads} stale uploads`}\n`);
    }
  } finally {
    await stores.close();
    await store.close();
  }
}

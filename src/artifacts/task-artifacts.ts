import type { Readable } from 'node:stream';
import type { ArtifactRef, TaskStore } from '../core/index.ts';
import { readArtifactBytes } from './base.ts';
import { assertArtifactName } from '../store/task-id.ts';
import { ArtifactNotFoundError } from './errors.ts';
import { assertArtifactKey } from './key.ts';
import type { ArtifactStores } from './open-artifacts.ts';
import type { ArtifactBody, ArtifactStore } from './types.ts';

/** The key of a task's artifact: `tasks/<task-id>/<name>` (names are 1-4 segments: `plots/labels.jpg`). */
export function taskArtifactKey(taskId: string, name: string): string {
  assertArtifactName(name);
  const key = `tasks/${taskId}/${name}`;
  assertArtifactKey(key);
  return key;
}

/**
 * Uploads `source` (a file path via `{ file }`, a stream, bytes or text) as artifact `name` of
 * task `taskId`, then records its reference (store spec, key, sha256, size) in the task: the
 * bytes are committed before any record points at them.
 */
export async function saveTaskArtifact(
  tasks: TaskStore,
  artifacts: ArtifactStore,
  taskId: string,
  name: string,
  source: { file: string } | ArtifactBody,
): Promise<ArtifactRef> {
  await tasks.get(taskId); // fail before uploading for a task that does not exist
  const key = taskArtifactKey(taskId, name);
  const info = typeof source === 'object' && 'file' in source ? await artifacts.putFile(key, source.file) : await artifacts.put(key, source);
  const ref: ArtifactRef = { name, size: info.size, sha256: info.sha256, store: artifacts.spec, key, location: artifacts.describe(key), createdAt: info.createdAt };
  await tasks.recordArtifact(taskId, ref);
  return ref;
}

/** The recorded reference of artifact `name` of a task; ArtifactNotFoundError when it has none. */
export async function taskArtifactRef(tasks: TaskStore, taskId: string, name: string): Promise<ArtifactRef> {
  const task = await tasks.get(taskId);
  const ref = task.artifacts[name];
  if (!ref) {
    const held = Object.keys(task.artifacts);
    const shown = held.length > 12 ? `${held.slice(0, 12).join(', ')} and ${held.length - 12} more` : held.join(', ');
    const deleted = task.artifactsDeleted?.names.includes(name) ? ` (deleted: ${task.artifactsDeleted.reason})` : '';
    throw new ArtifactNotFoundError(`${name}${deleted}`, `task ${taskId}, which holds ${held.length ? shown : 'no artifacts'}`);
  }
  // References written before the artifact store named a path or Redis key only.
  if (typeof ref.store !== 'string' || typeof ref.key !== 'string') {
    throw new ArtifactNotFoundError(name, `task ${taskId}: its record predates the artifact store (it names only ${JSON.stringify(ref.location)}); re-run the task to store it again`);
  }
  return ref;
}

/** A stream of a task's artifact, read from whichever store its record names. */
export async function openTaskArtifact(tasks: TaskStore, stores: ArtifactStores, taskId: string, name: string): Promise<Readable> {
  const ref = await taskArtifactRef(tasks, taskId, name);
  return (await stores.forSpec(ref.store)).get(ref.key);
}

/** A task's artifact in memory (small ones: checkpoints to decode, results.csv). */
export async function readTaskArtifact(tasks: TaskStore, stores: ArtifactStores, taskId: string, name: string): Promise<Buffer> {
  const ref = await taskArtifactRef(tasks, taskId, name);
  return readArtifactBytes(await stores.forSpec(ref.store), ref.key);
}

/** Writes a task's artifact to `path`, verified against its sha256. */
export async function downloadTaskArtifact(tasks: TaskStore, stores: ArtifactStores, taskId: string, name: string, path: string): Promise<ArtifactRef> {
  const ref = await taskArtifactRef(tasks, taskId, name);
  await (await stores.forSpec(ref.store)).getFile(ref.key, path);
  return ref;
}

/**
 * Deletes a task's artifacts (all, or `names`): the references go first (noting `reason` in
 * `artifactsDeleted`), then the bytes, so no record ever points at deleted bytes; a blob whose
 * delete fails is an orphan that `hpo gc` removes.
 */
export async function deleteTaskArtifacts(
  tasks: TaskStore,
  stores: ArtifactStores,
  taskId: string,
  reason: string,
  names?: readonly string[],
): Promise<ArtifactRef[]> {
  const task = await tasks.get(taskId);
  const refs = Object.values(task.artifacts).filter((r) => !names || names.includes(r.name));
  if (refs.length === 0) return [];
  await tasks.forgetArtifacts(taskId, reason, refs.map((r) => r.name));
  for (const ref of refs) {
    if (ref.store && ref.key) await (await stores.forSpec(ref.store)).delete(ref.key);
  }
  return refs;
}

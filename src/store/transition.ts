import { IllegalTransitionError, TRANSITIONS, defaultEnding, isFinal, type ArtifactRef, type Ending, type ErrorInfo, type StopKind, type Task, type TaskPatch, type TaskStatus } from '../core/index.ts';
import { StatusConflictError, StoreInputError } from './errors.ts';

/** Options of `TaskStore.setStatus`. */
export interface StatusOptions {
  reason?: string;
  error?: ErrorInfo;
  expect?: readonly TaskStatus[];
  /** How a final task ended; default `{ kind: status, reason }`. Dropped on a move to a non-final status. */
  ending?: Ending;
}

/**
 * Returns `task` moved to `status` at time `now`, or throws IllegalTransitionError (the
 * lifecycle forbids it) / StatusConflictError (the `expect` compare-and-set lost). Pure, so
 * every backend applies the same rules; the caller holds whatever lock makes it atomic.
 *
 * Stamps: `startedAt` on each move to running, `finishedAt` on a move to a final status.
 * `statusReason` and `error` describe the latest move only. Reopening a final task
 * (`failed|stopped -> queued`) clears its finish stamp, stop request and interrupted flag,
 * so a resumed controller is not stopped again by the request that ended it.
 */
export function applyStatus(task: Task, status: TaskStatus, options: StatusOptions, now: number): Task {
  const from = task.status;
  const allowed = TRANSITIONS[from] ?? [];
  if (!(status in TRANSITIONS)) throw new IllegalTransitionError(task.id, from, String(status), allowed);
  if (options.expect && !options.expect.includes(from)) {
    throw new StatusConflictError(task.id, from, status, options.expect, allowed);
  }
  if (!allowed.includes(status)) throw new IllegalTransitionError(task.id, from, status, allowed);

  const next: Task = { ...task, status, updatedAt: now };
  delete next.statusReason;
  delete next.error;
  delete next.ending;
  if (options.reason !== undefined) next.statusReason = options.reason;
  if (options.error !== undefined) next.error = options.error;
  if (status === 'running') next.startedAt = now;
  if (isFinal(status)) {
    next.finishedAt = now;
    next.ending = options.ending ?? defaultEnding(status as 'completed' | 'failed' | 'stopped', options.reason);
  }
  if (status === 'queued' && isFinal(from)) {
    delete next.finishedAt;
    delete next.stopRequest;
    delete next.interrupted;
  }
  return next;
}

const PATCH_KEYS: ReadonlySet<string> = new Set<keyof TaskPatch>(['name', 'tags', 'result', 'environment', 'config', 'heartbeatAt', 'stopRequest', 'dataset']);

/**
 * Returns `task` with the defined fields of `patch` applied and `updatedAt = now`. Throws
 * StoreInputError for a key outside TaskPatch (status moves go through `setStatus`).
 */
export function applyPatch(task: Task, patch: TaskPatch, now: number): Task {
  const next: Task = { ...task, updatedAt: now };
  for (const [key, value] of Object.entries(patch)) {
    if (!PATCH_KEYS.has(key)) {
      throw new StoreInputError(
        `update(${task.id}) cannot change "${key}": a patch may set ${[...PATCH_KEYS].join(', ')}. ` +
          'Use setStatus for status, clone for params.',
      );
    }
    if (key === 'stopRequest') {
      if (value !== null) throw new StoreInputError(`update(${task.id}): stopRequest may only be null (to clear it); use requestStop to ask for a stop.`);
      delete next.stopRequest;
    } else if (value !== undefined) (next as unknown as Record<string, unknown>)[key] = value;
  }
  return next;
}

/** Returns `task` with a stop request, or undefined when one is already recorded (first reason wins). */
export function applyStopRequest(task: Task, reason: string, now: number, kind?: StopKind): Task | undefined {
  if (task.stopRequest) return undefined;
  return { ...task, stopRequest: kind ? { at: now, reason, kind } : { at: now, reason }, updatedAt: now };
}

/** Returns `task` with `ref` recorded under its name (replacing an older reference). */
export function applyArtifactRef(task: Task, ref: ArtifactRef, now: number): Task {
  return { ...task, artifacts: { ...task.artifacts, [ref.name]: ref }, updatedAt: now };
}

/**
 * Returns `task` without the references `names` (all when omitted), noting when and why in
 * `artifactsDeleted`; undefined when none of them is recorded (nothing changes).
 */
export function applyForgetArtifacts(task: Task, reason: string, names: readonly string[] | undefined, now: number): Task | undefined {
  const gone = (names ?? Object.keys(task.artifacts)).filter((n) => n in task.artifacts);
  if (gone.length === 0) return undefined;
  const artifacts = Object.fromEntries(Object.entries(task.artifacts).filter(([n]) => !gone.includes(n)));
  const previous = task.artifactsDeleted?.names ?? [];
  return { ...task, artifacts, artifactsDeleted: { at: now, reason, names: [...new Set([...previous, ...gone])].sort() }, updatedAt: now };
}

import { HpoError, IllegalTransitionError, type Lease, type TaskStatus } from '../core/index.ts';

/**
 * Store-specific errors. Like the core hierarchy they carry a stable `code` and `name`, so a
 * Redis backend or a child process can report them without `instanceof`.
 */

/** An artifact name that could escape the task's folder, or is otherwise malformed. */
export class InvalidArtifactNameError extends HpoError {
  constructor(readonly artifactName: string) {
    super(
      'ARTIFACT_NAME_INVALID',
      `Invalid artifact name ${JSON.stringify(artifactName)}: names are 1-4 segments joined by "/", each 1-128 characters ` +
        'of [A-Za-z0-9._-] and not "." or "..". Use a file name such as "best.json" or a relative path such as "plots/labels.jpg".',
    );
    this.name = 'InvalidArtifactNameError';
  }
}

/** A store method got a value it cannot record (a non-finite step, a non-number scalar, an unknown patch key). */
export class StoreInputError extends HpoError {
  constructor(message: string) {
    super('STORE_INPUT_INVALID', message);
    this.name = 'StoreInputError';
  }
}

/** A per-task lock stayed held by a live process for longer than the store waits. */
export class StoreLockTimeoutError extends HpoError {
  constructor(readonly lockPath: string, waitedMs: number) {
    super(
      'STORE_LOCK_TIMEOUT',
      `Timed out after ${waitedMs} ms waiting for the task lock ${lockPath}. Another process holds it; ` +
        'if no hpo process is running, delete that file.',
    );
    this.name = 'StoreLockTimeoutError';
  }
}

/**
 * A compare-and-set `setStatus(..., { expect })` lost: the task was not in an expected status.
 * It is an IllegalTransitionError (same code and name) with a message that says what happened.
 */
export class StatusConflictError extends IllegalTransitionError {
  constructor(taskId: string, from: TaskStatus, to: TaskStatus, expect: readonly TaskStatus[], allowed: readonly TaskStatus[]) {
    super(taskId, from, to, allowed);
    this.message =
      `Task ${taskId} is "${from}", not ${expect.map((s) => `"${s}"`).join(' or ')} as expected, so it was not moved ` +
      `to "${to}": another process changed it first. Re-read the task before retrying.`;
  }
}

/**
 * A controller's lease is held by another process: one process runs a study at a time. `expired`
 * says the holder stopped renewing it (it died); `--force` takes such a lease over.
 */
export class LeaseHeldError extends HpoError {
  constructor(readonly taskId: string, readonly lease: Lease, readonly expired: boolean) {
    const when = new Date(lease.expiresAt).toISOString();
    super(
      'LEASE_HELD',
      expired
        ? `Study ${taskId} was run by ${lease.owner}, whose lease expired at ${when} (that process is gone). ` +
            'Resume with --force to take it over.'
        : `Study ${taskId} is being run by ${lease.owner} (its lease expires at ${when} unless renewed). ` +
            `Follow it with \`hpo top ${taskId} --watch\`, or stop it with \`hpo stop ${taskId}\`.`,
    );
    this.name = 'LeaseHeldError';
  }
}

/** A lease holder found its lease taken by another process (it was too slow to renew it). */
export class LeaseLostError extends HpoError {
  constructor(readonly taskId: string, owner: string, holder: string | undefined) {
    super('LEASE_LOST', `Lost the lease of study ${taskId}: ${owner} no longer holds it${holder ? `, ${holder} does` : ''}. This process stops running it.`);
    this.name = 'LeaseLostError';
  }
}

/**
 * True when `error` says task `taskId` is not in the store any more: it was deleted
 * (TASK_NOT_FOUND for that very id) or the whole store was wiped under the caller (STORE_WIPED,
 * a Redis restarted without persistence). Told by code, as errors cross processes.
 */
export function isTaskGone(error: unknown, taskId: string): boolean {
  const e = error as { code?: unknown; taskId?: unknown } | undefined;
  return e?.code === 'STORE_WIPED' || (e?.code === 'TASK_NOT_FOUND' && e.taskId === taskId);
}

import type { LeaseRequest, Task } from '../core/index.ts';
import { LeaseHeldError, LeaseLostError } from './errors.ts';

/**
 * The lease rules, pure so both stores apply the same ones inside their compare-and-set.
 * Returns `task` holding `request.owner`'s lease until `now + ttlMs`, or throws LeaseHeldError.
 */
export function applyAcquireLease(task: Task, request: LeaseRequest, now: number): Task {
  const held = task.lease;
  if (held && held.owner !== request.owner) {
    const expired = held.expiresAt <= now;
    const takeOver = request.force && (expired || held.owner === request.takeFrom);
    if (!takeOver) throw new LeaseHeldError(task.id, held, expired);
  }
  const lease = { owner: request.owner, host: request.host, pid: request.pid, acquiredAt: now, expiresAt: now + request.ttlMs };
  if (lease.host === undefined) delete lease.host;
  if (lease.pid === undefined) delete lease.pid;
  return { ...task, lease, updatedAt: now };
}

/** `owner`'s lease extended to `now + ttlMs`; LeaseLostError when `owner` no longer holds it. */
export function applyRenewLease(task: Task, owner: string, ttlMs: number, now: number): Task {
  if (task.lease?.owner !== owner) throw new LeaseLostError(task.id, owner, task.lease?.owner);
  return { ...task, lease: { ...task.lease, expiresAt: now + ttlMs }, updatedAt: now };
}

/** `task` without `owner`'s lease, or undefined (no change) when the lease is not theirs. */
export function applyReleaseLease(task: Task, owner: string, now: number): Task | undefined {
  if (task.lease?.owner !== owner) return undefined;
  const next = { ...task, updatedAt: now };
  delete next.lease;
  return next;
}

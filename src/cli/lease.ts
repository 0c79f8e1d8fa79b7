import os from 'node:os';
import type { Lease, LeaseRequest, Task, TaskStore } from '../core/index.ts';
import { LeaseHeldError } from '../store/errors.ts';

/** How long a controller's lease lasts without renewal (the loop renews it every tick). */
export function leaseTtlMs(): number {
  const fromEnv = Number(process.env.HPO_LEASE_TTL_MS);
  return Number.isFinite(fromEnv) && fromEnv >= 1000 ? fromEnv : 30_000;
}

/** This process as a lease owner: host and pid, so a process on the same host can see it died. */
export function thisProcessOwner(label?: string): Omit<LeaseRequest, 'ttlMs'> {
  const host = os.hostname();
  return { owner: `${label ? `${label} ` : ''}${host} pid ${process.pid}`, host, pid: process.pid };
}

/**
 * Takes the controller's lease for this process, or throws LeaseHeldError naming the holder.
 * A lease whose holder ran on this host and whose pid is gone (kill -9) counts as expired:
 * `force` takes it at once instead of waiting for it to run out.
 */
export async function claimController(store: TaskStore, controller: Task, options: { force?: boolean; label?: string }): Promise<{ owner: string; ttlMs: number }> {
  const ttlMs = leaseTtlMs();
  const me = thisProcessOwner(options.label);
  try {
    await store.acquireLease(controller.id, { ...me, ttlMs, force: options.force });
  } catch (error) {
    const held = (error as { code?: string; lease?: Lease }).code === 'LEASE_HELD' ? (error as LeaseHeldError).lease : undefined;
    if (!held || !ownerIsGone(held)) throw error;
    if (!options.force) throw new LeaseHeldError(controller.id, held, true);
    // Taken only from that very owner: if someone else claimed it meanwhile, their claim stands.
    await store.acquireLease(controller.id, { ...me, ttlMs, force: true, takeFrom: held.owner });
  }
  return { owner: me.owner, ttlMs };
}

/** True when the holder ran on this host and its process no longer exists. */
function ownerIsGone(lease: Lease): boolean {
  if (lease.host !== os.hostname() || lease.pid === undefined || lease.pid === process.pid) return false;
  try {
    process.kill(lease.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

import { ConfigError } from '../../core/index.ts';

/**
 * The clocks of fault tolerance, all derived from BullMQ's lock duration L so they stay
 * consistent. Defaults (L = 15 s): the lock is renewed every 7.5 s; stalled jobs are looked
 * for every 10 s; a running task beats every 2 s; a task is "dead" after 6 s without a beat.
 *
 * Why a kill -9 agent's job is picked up within about 25 s: its lock expires at most L after
 * the last renewal (<= 15 s after death), the next stalled check (<= 10 s later) moves the job
 * back to wait, and another agent takes it at once. By then the last heartbeat is at least
 * L/2 = 7.5 s old (the process died before its next renewal), which is past the 6 s
 * staleness, so that agent requeues and reruns the task without waiting further.
 */
export interface AgentTiming {
  /** BullMQ lockDuration: how long a job stays owned without a renewal. */
  lockDurationMs: number;
  /** BullMQ stalledInterval: how often workers look for jobs whose lock expired. */
  stalledIntervalMs: number;
  /** BullMQ maxStalledCount: stalls tolerated before the job fails for good. */
  maxStalledCount: number;
  /** How often a running task's heartbeatAt is written (and its stop request read). */
  heartbeatMs: number;
  /** A `running` task with no heartbeat for this long is treated as orphaned. */
  staleMs: number;
}

/** Fills the timing from `lockDurationMs` (default 15 s); explicit fields win. */
export function agentTiming(overrides: Partial<AgentTiming> = {}): AgentTiming {
  const lock = overrides.lockDurationMs ?? 15_000;
  if (!(lock >= 1000)) throw new ConfigError(`lockDurationMs must be at least 1000 ms, got ${lock}.`);
  const timing: AgentTiming = {
    lockDurationMs: lock,
    stalledIntervalMs: overrides.stalledIntervalMs ?? Math.round((lock * 2) / 3),
    maxStalledCount: overrides.maxStalledCount ?? 3,
    heartbeatMs: overrides.heartbeatMs ?? Math.round(lock / 7.5),
    staleMs: overrides.staleMs ?? Math.round(lock * 0.4),
  };
  if (timing.staleMs < 2 * timing.heartbeatMs) {
    throw new ConfigError(`staleMs (${timing.staleMs}) must be at least twice heartbeatMs (${timing.heartbeatMs}), or live tasks look dead.`);
  }
  return timing;
}

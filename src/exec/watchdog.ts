import { TrialTimeoutError } from '../core/index.ts';

/** Time limits of one trial, from the study's budget. */
export interface TrialLimits {
  /** Wall time from the trial's start (`budget.trialTimeout`). */
  trialTimeoutMs?: number;
  /** Longest time with no report and no console output (`budget.stallTimeout`). */
  stallTimeoutMs?: number;
}

export interface Watchdog {
  /** The trial showed progress (a report, a console line): the stall clock restarts. */
  activity(): void;
  /** The limit that fired, if one did. */
  readonly fired: TrialTimeoutError | undefined;
  stop(): void;
}

/**
 * Watches one running trial and calls `onTimeout` once with a TrialTimeoutError when it runs past
 * `trialTimeoutMs` or shows no progress for `stallTimeoutMs`. Used by every runner (local child
 * processes, agent child and in-process slots), so a trial's limits hold wherever it runs.
 */
export function startWatchdog(limits: TrialLimits | undefined, onTimeout: (error: TrialTimeoutError) => void): Watchdog {
  let fired: TrialTimeoutError | undefined;
  let stall: NodeJS.Timeout | undefined;
  const fire = (message: string): void => {
    if (fired) return;
    fired = new TrialTimeoutError(message);
    clearTimeout(total);
    clearTimeout(stall);
    onTimeout(fired);
  };
  const { trialTimeoutMs, stallTimeoutMs } = limits ?? {};
  const total = trialTimeoutMs ? setTimeout(() => fire(`timeout after ${seconds(trialTimeoutMs)}s`), trialTimeoutMs) : undefined;
  const armStall = (): void => {
    if (!stallTimeoutMs || fired) return;
    clearTimeout(stall);
    stall = setTimeout(() => fire(`timeout: no report and no output for ${seconds(stallTimeoutMs)}s (stalled)`), stallTimeoutMs);
  };
  armStall();
  return {
    activity: armStall,
    get fired() {
      return fired;
    },
    stop() {
      clearTimeout(total);
      clearTimeout(stall);
    },
  };
}

function seconds(ms: number): number {
  return Math.round(ms / 100) / 10;
}

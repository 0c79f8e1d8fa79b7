import type { Ending, StopKind, Task, TaskStatus } from '../core/index.ts';

/** How a trial ended, as the executor saw it (the store holds the authoritative record). */
export interface TrialOutcome {
  status: Extract<TaskStatus, 'completed' | 'failed' | 'stopped'>;
  /** Why it ended, typed: what the study reads. */
  ending: Ending;
  /** `ending.reason`, for people. */
  reason?: string;
}

/** How a stop asks a trial to end. */
export interface StopEnding {
  kind: StopKind;
  reason: string;
}

/** What the controller hears from an executor. Handlers must not throw. */
export interface ExecutorEvents {
  started(taskId: string): void;
  /** One step of scalars, after they are in the store. */
  reported(taskId: string, step: number, scalars: Record<string, number>): void;
  /** The task reached a final status (or the executor gave up on it and recorded why). */
  finished(taskId: string, outcome: TrialOutcome): void;
}

/**
 * Runs trial tasks: local child processes or a BullMQ queue. `submit` takes a task in status
 * `queued`; the executor (or the process it hands the task to) moves it to running and to a
 * final status. Safe to call `stop` for a task that already ended.
 */
export interface Executor {
  readonly name: string;
  /** How many tasks it runs at once here (the controller keeps at most this many in flight). */
  readonly capacity: number;
  submit(task: Task): Promise<void>;
  /** Clean stop: the trainer stops at its next epoch boundary; killed after a grace period if it ignores it. */
  stop(taskId: string, ending: StopEnding): Promise<void>;
  /** Ends the trial now (a second Ctrl-C): killed where it can be, recorded with `ending`. */
  kill(taskId: string, ending: StopEnding): Promise<void>;
  /**
   * After a controller restart: is this non-final task still being run somewhere (so the
   * controller should wait for it) rather than orphaned? Local children die with their parent.
   */
  isAlive(task: Task): Promise<boolean>;
  close(): Promise<void>;
}

/** Runs one task in the current process: status, trainer, scalars, logs, stop requests. */
export type TaskRunner<Extra = object> = (
  taskId: string,
  options: { signal: AbortSignal; onReport?: (step: number, scalars: Record<string, number>) => void } & Extra,
) => Promise<TrialOutcome>;

/** Environment variables an agent gives a trial's slot, so the task records who ran it. */
export const AGENT_NAME_ENV = 'HPO_AGENT';
export const AGENT_SLOT_ENV = 'HPO_AGENT_SLOT';

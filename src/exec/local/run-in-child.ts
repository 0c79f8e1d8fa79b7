import type { Task, TaskStore } from '../../core/index.ts';
import type { StopEnding, TrialOutcome } from '../../study/executor.ts';
import { LocalExecutor } from './local-executor.ts';
import type { SpareShelf } from './spare-shelf.ts';
import { TrialTimeoutError } from '../../core/index.ts';

export interface RunInChildOptions {
  store: TaskStore;
  storeSpec: string;
  childEntry: string;
  signal?: AbortSignal;
  onReport?: (step: number, scalars: Record<string, number>) => void;
  /** Extra environment for the child (an agent slot's CUDA_VISIBLE_DEVICES). */
  env?: Record<string, string>;
  graceMs?: number;
  /** Called on each chunk of the child's console output (progress, for a stall watchdog). */
  onOutput?: () => void;
  /** Called once the child process is up and running the task. */
  onStarted?: () => void;
  /**
   * Where the next task's process is kept loaded (an agent's): the task runs in the spare forked
   * for the same `env`, if one is ready, and a new spare is forked for the next. Without, a
   * one-off process.
   */
  spares?: SpareShelf;
}

/** Runs one queued task in its own child process and resolves with its outcome; `signal` stops it cleanly. */
export function runInChild(task: Task, options: RunInChildOptions): Promise<TrialOutcome> {
  return new Promise((resolve) => {
    const executor = new LocalExecutor({
      store: options.store,
      storeSpec: options.storeSpec,
      childEntry: options.childEntry,
      concurrency: 1,
      spare: options.spares ? { shelf: options.spares, key: JSON.stringify(options.env ?? {}) } : false,
      graceMs: options.graceMs ?? 10_000,
      onOutput: options.onOutput,
      env: options.env,
      events: {
        started: () => options.onStarted?.(),
        reported: (_id, step, scalars) => options.onReport?.(step, scalars),
        finished: (_id, outcome) => resolve(outcome),
      },
    });
    options.signal?.addEventListener('abort', () => void executor.stop(task.id, toStopEnding(options.signal!.reason)), { once: true });
    void executor.submit(task);
  });
}

/** Abort reasons are stop endings; a plain string is a plain stop. */
function toStopEnding(reason: unknown): StopEnding {
  // The agent's watchdog aborts with a TrialTimeoutError: the trial ends `timeout`.
  if (reason instanceof TrialTimeoutError) return { kind: 'timeout', reason: reason.message };
  const r = reason as Partial<StopEnding> | undefined;
  if (r && typeof r === 'object' && typeof r.kind === 'string' && typeof r.reason === 'string') return { kind: r.kind, reason: r.reason };
  return { kind: 'stopped', reason: String(reason ?? 'stop requested') };
}

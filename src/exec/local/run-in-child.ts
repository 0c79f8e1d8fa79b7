import type { Task, TaskStore } from '../../core/index.ts';
import type { TrialOutcome } from '../../study/executor.ts';
import { LocalExecutor } from './local-executor.ts';
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
}

/** Runs one queued task in its own child process and resolves with its outcome; `signal` stops it cleanly. */
export function runInChild(task: Task, options: RunInChildOptions): Promise<TrialOutcome> {
  return new Promise((resolve) => {
    const executor = new LocalExecutor({
      store: options.store,
      storeSpec: options.storeSpec,
      childEntry: options.childEntry,
      concurrency: 1,
      graceMs: options.graceMs ?? 10_000,
      onOutput: options.onOutput,
      env: options.env,
      events: {
        started: () => options.onStarted?.(),
        reported: (_id, step, scalars) => options.onReport?.(step, scalars),
        finished: (_id, outcome) => resolve(outcome),
      },
    });
    options.signal?.addEventListener(
      'abort',
      () => {
        const reason: unknown = options.signal!.reason;
        const timeout = reason instanceof TrialTimeoutError;
        void executor.stop(task.id, timeout ? reason.message : String(reason), { timeout });
      },
      { once: true },
    );
    void executor.submit(task);
  });
}

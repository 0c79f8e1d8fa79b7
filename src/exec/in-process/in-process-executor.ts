import type { Task } from '../../core/index.ts';
import type { Executor, ExecutorEvents, StopEnding, TaskRunner } from '../../study/executor.ts';

/**
 * Runs trials inside this process through an injected TaskRunner. For trainers that are cheap
 * to run in-process (the function trainer, no-op benches) and for measuring the study loop
 * without process start-up. A trainer that blocks the event loop blocks the controller too.
 */
export class InProcessExecutor implements Executor {
  readonly name = 'in-process';
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly runTask: TaskRunner,
    private readonly events: ExecutorEvents,
    readonly capacity = 1,
  ) {}

  async submit(task: Task): Promise<void> {
    const abort = new AbortController();
    this.running.set(task.id, abort);
    queueMicrotask(() => void this.run(task.id, abort));
  }

  async stop(taskId: string, ending: StopEnding): Promise<void> {
    this.running.get(taskId)?.abort(ending);
  }

  /** In-process trials cannot be killed: the stop is the same, at the next epoch boundary. */
  async kill(taskId: string, ending: StopEnding): Promise<void> {
    await this.stop(taskId, ending);
  }

  async isAlive(task: Task): Promise<boolean> {
    return this.running.has(task.id);
  }

  async close(): Promise<void> {
    for (const abort of this.running.values()) abort.abort({ kind: 'interrupted', reason: 'interrupted: executor closed' } satisfies StopEnding);
  }

  private async run(taskId: string, abort: AbortController): Promise<void> {
    this.events.started(taskId);
    try {
      const outcome = await this.runTask(taskId, { signal: abort.signal, onReport: (step, scalars) => this.events.reported(taskId, step, scalars) });
      this.events.finished(taskId, outcome);
    } catch (error) {
      const reason = `runner error: ${(error as Error).message}`;
      this.events.finished(taskId, { status: 'failed', ending: { kind: 'failed', reason }, reason });
    } finally {
      this.running.delete(taskId);
    }
  }
}

import type { ExecutorEvents, TrialOutcome } from './executor.ts';

export type QueuedEvent =
  | { type: 'started'; taskId: string }
  | { type: 'reported'; taskId: string; step: number; scalars: Record<string, number> }
  | { type: 'finished'; taskId: string; outcome: TrialOutcome };

/**
 * Turns executor callbacks into an awaitable queue, so the controller handles one event at a
 * time in arrival order (no interleaved store writes for one trial).
 */
export class StudyEventQueue {
  private readonly events: QueuedEvent[] = [];
  private wake?: () => void;

  /** An abort of `signal` wakes a waiting `next` at once. */
  constructor(signal?: AbortSignal) {
    signal?.addEventListener('abort', () => this.wake?.(), { once: true });
  }

  handlers(): ExecutorEvents {
    return {
      started: (taskId) => this.push({ type: 'started', taskId }),
      reported: (taskId, step, scalars) => this.push({ type: 'reported', taskId, step, scalars }),
      finished: (taskId, outcome) => this.push({ type: 'finished', taskId, outcome }),
    };
  }

  /** The next event, or undefined after `timeoutMs` with none. */
  async next(timeoutMs: number): Promise<QueuedEvent | undefined> {
    if (this.events.length === 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    return this.events.shift();
  }

  private push(event: QueuedEvent): void {
    this.events.push(event);
    this.wake?.();
  }
}

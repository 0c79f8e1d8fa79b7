import { isFinal, type Task, type TaskStore } from '../../core/index.ts';
import type { TaskSnapshot } from './snapshot.ts';

/** One change the Tasks, Task and Study pages react to. */
export interface TaskEvent {
  type: 'task';
  id: string;
  parent?: string;
  status: string;
  updatedAt: number;
  /** Scalar points reported so far (running tasks; a report changes it). */
  points?: number;
}

/**
 * Polls the store (no second database) while anyone listens and tells listeners what changed:
 * a task's status or record (updatedAt), or, for unfinished tasks, its number of scalar points.
 */
export class StorePoller {
  private readonly listeners = new Set<(events: TaskEvent[]) => void>();
  private readonly seen = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  private primed = false;

  constructor(
    private readonly store: TaskStore,
    private readonly snapshot: TaskSnapshot,
    private readonly intervalMs: number,
  ) {}

  /** Adds a listener and returns its unsubscribe; polling runs only while there is one. */
  subscribe(listener: (events: TaskEvent[]) => void): () => void {
    this.listeners.add(listener);
    if (!this.timer) this.schedule();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.poll()
        .catch(() => {}) // a store hiccup skips one round; the next poll sees everything again
        .finally(() => this.listeners.size > 0 && this.schedule());
    }, this.primed ? this.intervalMs : 0);
  }

  private async poll(): Promise<void> {
    const tasks = await this.snapshot.refresh();
    const events: TaskEvent[] = [];
    await Promise.all(tasks.map(async (task) => {
      const points = isFinal(task.status) ? undefined : await this.pointsOf(task);
      const print = `${task.status}|${task.updatedAt}|${points ?? ''}`;
      if (this.seen.get(task.id) !== print) {
        this.seen.set(task.id, print);
        events.push({ type: 'task', id: task.id, parent: task.parent, status: task.status, updatedAt: task.updatedAt, points });
      }
    }));
    const first = !this.primed;
    this.primed = true;
    if (!first && events.length) for (const l of this.listeners) l(events);
  }

  private async pointsOf(task: Task): Promise<number> {
    const series = await this.store.getScalars(task.id).catch(() => ({}));
    return Object.values(series).reduce((n, s) => n + s.length, 0);
  }
}

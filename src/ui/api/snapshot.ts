import type { ListFilter, Task, TaskStore } from '../../core/index.ts';
import { matchesFilter } from '../../store/list-filter.ts';

/**
 * The server's copy of every task record. Listing a file store reads one file per task, too slow
 * to repeat on every request of a 10,000-task table, so lists come from this snapshot: when it is
 * older than `maxAgeMs` the request still gets it and a refresh starts in the background (the
 * event poller refreshes it every round too, and tells pages what changed, so they re-fetch).
 * The server's own writes (clone, stop) `invalidate` it: the next list reads the store first.
 * Scalars and logs are always read fresh (or from ScalarCache).
 */
export class TaskSnapshot {
  private tasks?: Task[];
  private takenAt = 0;
  private dirty = false;
  private pending?: Promise<Task[]>;

  constructor(
    private readonly store: TaskStore,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The store's `list(filter)` from the snapshot; see the class comment for how fresh it is. */
  async list(filter: ListFilter = {}): Promise<Task[]> {
    let all = this.tasks;
    if (!all || this.dirty) all = await this.refresh();
    else if (this.now() - this.takenAt > this.maxAgeMs && !this.pending) {
      // After this request: a file store reads every record synchronously, which would stall the answer.
      setImmediate(() => void this.refresh().catch(() => {}));
    }
    return all.filter((t) => matchesFilter(t, filter));
  }

  /** The next `list` reads the store (after a write this server made). */
  invalidate(): void {
    this.dirty = true;
  }

  /** Reads every record now (one read in flight at a time). */
  refresh(): Promise<Task[]> {
    if (!this.pending) {
      this.dirty = false;
      this.pending = this.store.list().then(
        (tasks) => {
          this.tasks = tasks;
          this.takenAt = this.now();
          this.pending = undefined;
          return tasks;
        },
        (error: unknown) => {
          this.pending = undefined;
          this.dirty = true;
          throw error;
        },
      );
    }
    return this.pending;
  }
}

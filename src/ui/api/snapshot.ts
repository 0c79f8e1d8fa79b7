import type { ListFilter, Task, TaskStore } from '../../core/index.ts';
import { matchesFilter } from '../../store/list-filter.ts';

/**
 * The server's view of every task record, at most `maxAgeMs` old. Listing a file store reads one
 * file per task (about 0.1 ms each), too slow to repeat on every request of a 10,000-task table;
 * the event poller refreshes this snapshot on each round, so pages that follow events see what
 * the poller saw. Scalars and logs are always read fresh (or from ScalarCache).
 */
export class TaskSnapshot {
  private tasks?: Task[];
  private takenAt = 0;
  private pending?: Promise<Task[]>;

  constructor(
    private readonly store: TaskStore,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The store's `list(filter)`, from a snapshot no older than `maxAgeMs`. */
  async list(filter: ListFilter = {}): Promise<Task[]> {
    const all = this.tasks && this.now() - this.takenAt <= this.maxAgeMs ? this.tasks : await this.refresh();
    return all.filter((t) => matchesFilter(t, filter));
  }

  /** Reads every record now (one read in flight at a time). */
  refresh(): Promise<Task[]> {
    this.pending ??= this.store.list().then(
      (tasks) => {
        this.tasks = tasks;
        this.takenAt = this.now();
        this.pending = undefined;
        return tasks;
      },
      (error: unknown) => {
        this.pending = undefined;
        throw error;
      },
    );
    return this.pending;
  }
}

import { isFinal, type ListFilter, type ScalarSeries, type Task, type TaskStore } from '../../core/index.ts';
import type { TaskSnapshot } from './snapshot.ts';

/**
 * Scalars of final tasks never change, so the server keeps them; a running task's are re-read on
 * every request. Bounded: the oldest entries go first past `capacity`.
 */
export class ScalarCache {
  private readonly entries = new Map<string, ScalarSeries>();
  constructor(private readonly capacity = 20_000) {}

  async get(store: TaskStore, task: Task): Promise<ScalarSeries> {
    const cached = this.entries.get(task.id);
    if (cached) return cached;
    const series = await store.getScalars(task.id);
    if (isFinal(task.status)) {
      if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(task.id, series);
    }
    return series;
  }
}

/**
 * A read view of the store for one request: `list` from the server's snapshot (when given),
 * `list` and `get` answered once per argument, and `getScalars` through the server's cache. Lets the CLI's own functions (buildLeaderboard,
 * loadTrials) run unchanged over it without reading the same records twice.
 */
export function requestView(store: TaskStore, cache: ScalarCache, snapshot?: TaskSnapshot): TaskStore {
  const lists = new Map<string, Promise<Task[]>>();
  const gets = new Map<string, Promise<Task>>();
  const known = new Map<string, Task>();
  const view: TaskStore = Object.create(store);
  view.list = (filter: ListFilter = {}) => {
    const key = JSON.stringify(filter);
    if (!lists.has(key)) {
      lists.set(key, (snapshot ? snapshot.list(filter) : store.list(filter)).then((tasks) => {
        for (const t of tasks) known.set(t.id, t);
        return tasks;
      }));
    }
    return lists.get(key)!;
  };
  view.get = (id: string) => {
    if (!gets.has(id)) gets.set(id, store.get(id));
    return gets.get(id)!;
  };
  view.getScalars = async (id: string) => cache.get(store, known.get(id) ?? (await view.get(id)));
  return view;
}

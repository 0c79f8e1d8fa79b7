import type { ListFilter, Task } from '../core/index.ts';

/** The filter and order of `TaskStore.list`, shared by every backend so they cannot drift. */
export function matchesFilter(task: Task, filter: ListFilter): boolean {
  const statuses = filter.status === undefined ? undefined : typeof filter.status === 'string' ? [filter.status] : filter.status;
  if (filter.project !== undefined && task.project !== filter.project) return false;
  if (filter.parent !== undefined && task.parent !== filter.parent) return false;
  if (filter.type !== undefined && task.type !== filter.type) return false;
  return !statuses || statuses.includes(task.status);
}

/** Creation time, then id. */
export function compareTasks(a: Task, b: Task): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Every Redis key of the task store, built here and nowhere else. All keys live under one
 * prefix (default `hpo:`) so several stores, and the tests, share a Redis without touching
 * each other. Ids are validated (assertTaskId) before they reach these functions; project
 * names are free text, so they are URI-encoded to keep `:` out of the key structure.
 */
export interface StoreKeys {
  /** Hash `{ data: <task JSON>, rev: <integer> }`: the record and its revision for compare-and-set. */
  task(id: string): string;
  /** Sorted set of every task id, scored by createdAt (ties ordered by id, as list() promises). */
  allTasks(): string;
  /** Sorted set of the children of `parent` (trials of a controller), scored by createdAt. */
  children(parent: string): string;
  /** Sorted set of the tasks of `project`, scored by createdAt. */
  project(project: string): string;
  /** List of scalar report lines (see src/store/scalar-lines.ts). */
  scalars(id: string): string;
  /** String the console log is appended to. */
  log(id: string): string;
  /** String holding a token written when a process first opens the store: gone means the store was wiped. */
  marker(): string;
  /** Pattern matching every key of this store (for cleanup in tests and tools). */
  pattern(): string;
}

/** Default key prefix of the Redis store. */
export const DEFAULT_PREFIX = 'hpo:';

/** The key builder for `prefix`. */
export function storeKeys(prefix: string = DEFAULT_PREFIX): StoreKeys {
  return {
    task: (id) => `${prefix}task:${id}`,
    allTasks: () => `${prefix}tasks`,
    children: (parent) => `${prefix}children:${parent}`,
    project: (project) => `${prefix}project:${encodeURIComponent(project)}`,
    scalars: (id) => `${prefix}scalars:${id}`,
    log: (id) => `${prefix}log:${id}`,
    marker: () => `${prefix}store`,
    pattern: () => `${escapeGlob(prefix)}*`,
  };
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

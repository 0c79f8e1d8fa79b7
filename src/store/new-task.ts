import type { NewTask, Params, Task } from '../core/index.ts';
import { StoreInputError } from './errors.ts';
import { assertTaskId } from './task-id.ts';

/** What `TaskStore.clone` may override. */
export type CloneOverrides = { name?: string; params?: Params; parent?: string; project?: string; tags?: string[]; status?: 'draft' | 'queued' };

/**
 * The record a backend stores for `create` (id left empty for the backend to fill). Shared by
 * every backend so a new task looks the same wherever it lives.
 */
export function newTaskRecord(input: NewTask, now: number): Task {
  if (input.parent !== undefined) assertTaskId(input.parent);
  if (input.status !== undefined && input.status !== 'draft' && input.status !== 'queued') {
    throw new StoreInputError(`create: a new task starts "draft" or "queued", got status ${JSON.stringify(input.status)}.`);
  }
  return {
    id: '',
    name: input.name,
    project: input.project,
    type: input.type,
    status: input.status ?? 'draft',
    parent: input.parent,
    trainer: input.trainer,
    params: input.params,
    tags: input.tags ?? [],
    config: input.config,
    environment: input.environment,
    ...(input.code ? { code: input.code } : {}),
    ...(input.hpoVersion ? { hpoVersion: input.hpoVersion } : {}),
    artifacts: {},
    createdAt: now,
    updatedAt: now,
  };
}

/** The `create` input of a clone: the source's trainer and params with overrides applied. */
export function cloneInput(source: Task, overrides: CloneOverrides = {}): NewTask {
  return {
    name: overrides.name ?? source.name,
    project: overrides.project ?? source.project,
    type: source.type,
    trainer: source.trainer,
    // A clone runs the same code as its source, wherever it runs.
    ...(source.code ? { code: source.code } : {}),
    ...(source.hpoVersion ? { hpoVersion: source.hpoVersion } : {}),
    params: { ...source.params, ...overrides.params },
    tags: overrides.tags ?? source.tags,
    parent: overrides.parent,
    status: overrides.status ?? 'draft',
  };
}

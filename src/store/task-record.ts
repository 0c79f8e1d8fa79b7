import { TASK_TYPES, type Task, type TaskType } from '../core/index.ts';
import { taskRecordSchema } from './task-schema.ts';

/**
 * A task's JSON snapshot. Flat identifying fields come first, so that even a truncated file
 * still names the task's project, parent and type (see `salvageTaskFields`).
 */

/** Reason recorded on a task whose snapshot could not be read back whole. */
export const DAMAGED_REASON = 'interrupted: task record was damaged';

const HEAD_KEYS = ['id', 'name', 'project', 'type', 'parent', 'status', 'createdAt', 'updatedAt'] as const;

/**
 * The snapshot text of `task`, identifying fields first. `seq` is the last journal entry the
 * snapshot includes (see task-folder.ts); it is stored as `$seq` and never shown on a Task.
 */
export function serializeTask(task: Task, seq: number): string {
  const ordered: Record<string, unknown> = {};
  for (const key of HEAD_KEYS) ordered[key] = task[key];
  for (const [key, value] of Object.entries(task)) if (!(key in ordered)) ordered[key] = value;
  ordered.$seq = seq;
  return JSON.stringify(ordered);
}

/** Parses a snapshot; undefined when it is not a whole, well-formed record of task `id`. */
export function parseSnapshot(text: string, id: string): { task: Task; seq: number } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isTaskRecord(value, id)) return undefined;
  const record = value as Task & { $seq?: unknown };
  const seq = typeof record.$seq === 'number' ? record.$seq : 0;
  delete record.$seq;
  return { task: record, seq };
}

/** True when `value` has every field a Task must have, for task `id` (the schema in task-schema.ts). */
export function isTaskRecord(value: unknown, id: string): value is Task {
  return (value as { id?: unknown } | null)?.id === id && taskRecordSchema.safeParse(value).success;
}

/**
 * Reads the flat identifying fields from the start of a damaged snapshot, stopping at the
 * first nested object or array so a key inside params or config is never mistaken for one.
 */
export function salvageTaskFields(text: string): Partial<Pick<Task, 'name' | 'project' | 'type' | 'parent' | 'createdAt'>> {
  const whole = salvageFromJson(text);
  if (whole) return whole;
  const body = text.startsWith('{') ? text.slice(1) : text;
  const nested = body.search(/[{[]/);
  const head = nested === -1 ? body : body.slice(0, nested);
  const str = (key: string): string | undefined => {
    const match = new RegExp(`"${key}":("(?:[^"\\\\]|\\\\.)*")`).exec(head);
    if (!match) return undefined;
    try {
      return JSON.parse(match[1]) as string;
    } catch {
      return undefined;
    }
  };
  const created = /"createdAt":(\d+)[,}]/.exec(head);
  const type = str('type');
  return {
    name: str('name'),
    project: str('project'),
    type: TASK_TYPES.includes(type as TaskType) ? (type as TaskType) : undefined,
    parent: str('parent'),
    createdAt: created ? Number(created[1]) : undefined,
  };
}

/**
 * A damaged snapshot that is still JSON (the wrong shape, e.g. a field of the wrong type): its
 * identifying fields wherever they sit, so a damaged trial keeps its parent and stays in its study.
 */
function salvageFromJson(text: string): ReturnType<typeof salvageTaskFields> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const str = (key: string): string | undefined => (typeof v[key] === 'string' ? (v[key] as string) : undefined);
  return {
    name: str('name'),
    project: str('project'),
    type: v.type === 'training' || v.type === 'controller' ? v.type : undefined,
    parent: str('parent'),
    createdAt: typeof v.createdAt === 'number' ? v.createdAt : undefined,
  };
}

/**
 * The record of a task whose snapshot is damaged: the last good snapshot if there is one,
 * else whatever the damaged text still names, else the id alone. Always `failed`, flagged
 * `interrupted`, so a study counts it and a resume can requeue it.
 */
export function recoveredTask(
  id: string,
  damagedText: string,
  previous: Task | undefined,
  facts: { createdAt: number },
): Task {
  let base: Task;
  if (previous) {
    base = { ...previous };
  } else {
    const found = salvageTaskFields(damagedText);
    const createdAt = found.createdAt ?? facts.createdAt;
    base = {
      id,
      name: found.name ?? id,
      project: found.project ?? '',
      type: found.type ?? 'training',
      status: 'failed',
      trainer: { type: 'unknown' },
      params: {},
      tags: [],
      artifacts: {},
      createdAt,
      updatedAt: createdAt,
    };
    if (found.parent !== undefined) base.parent = found.parent;
  }
  const task: Task = { ...base, id, status: 'failed', statusReason: DAMAGED_REASON, interrupted: true };
  delete task.error;
  return task;
}

/**
 * A task record read back from a backend that stores whole JSON records (Redis): the record, or
 * when it is not a valid one, the recovered record a damaged file snapshot would give.
 */
export function parseStoredTask(id: string, text: string): Task {
  const parsed = parseSnapshot(text, id);
  return parsed ? parsed.task : recoveredTask(id, text, undefined, { createdAt: 0 });
}

import { z } from 'zod';
import { ConfigError, type ScalarSeries, type Task, type TaskStore } from '../../core/index.ts';
import type { ScalarCache } from './reads.ts';

/** Fields every task has; the other columns are `param:<name>`, `last:<scalar>`, `best:<scalar>`. */
export const FIELD_COLUMNS = ['name', 'project', 'type', 'status', 'duration', 'tags', 'parent', 'agent', 'created'] as const;
type Field = (typeof FIELD_COLUMNS)[number];

export type Column = { kind: 'field'; field: Field; spec: string } | { kind: 'param' | 'last' | 'best'; name: string; spec: string };

export type CellValue = string | number | boolean | null;

const STATUSES = ['draft', 'queued', 'running', 'completed', 'failed', 'stopped'] as const;
const csvList = z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

/** The task list's query string: filters, columns, sort, page, format. */
export const taskQuerySchema = z.strictObject({
  project: z.string().optional(),
  type: z.enum(['training', 'controller']).optional(),
  status: csvList.pipe(z.array(z.enum(STATUSES))).optional(),
  tag: z.string().optional(),
  parent: z.string().optional(),
  q: z.string().max(200).optional(),
  columns: csvList.optional(),
  sort: z.string().optional(),
  order: z.enum(['asc', 'desc']).default('asc'),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(10_000, { message: 'limit is at most 10000' }).default(100),
  format: z.enum(['json', 'csv']).default('json'),
  token: z.string().optional(),
});
export type TaskQuery = z.output<typeof taskQuerySchema>;

export const DEFAULT_COLUMNS = ['name', 'type', 'status', 'project', 'duration', 'created'];

/** `param:hyp/lr0`, `last:metrics/mAP_0.5`, `status`, ...: a clear error for anything else. */
export function parseColumn(spec: string): Column {
  if ((FIELD_COLUMNS as readonly string[]).includes(spec)) return { kind: 'field', field: spec as Field, spec };
  const m = /^(param|last|best):(.+)$/.exec(spec);
  if (m) return { kind: m[1] as 'param' | 'last' | 'best', name: m[2], spec };
  throw new ConfigError(
    `Invalid column ${JSON.stringify(spec)}: use one of ${FIELD_COLUMNS.join(', ')}, or param:<name> (param:hyp/lr0), ` +
      'last:<scalar> or best:<scalar> (last:metrics/mAP_0.5).',
  );
}

/** `best` of a scalar: the lowest for losses, the highest for everything else (mAP, precision, recall). */
export function bestOf(name: string, series: ScalarSeries[string] | undefined): number | null {
  const values = (series ?? []).map((p) => p.value).filter(Number.isFinite);
  if (values.length === 0) return null;
  return /loss/i.test(name) ? Math.min(...values) : Math.max(...values);
}

export interface TaskTable {
  total: number;
  offset: number;
  limit: number;
  columns: string[];
  rows: Array<{ id: string; values: Record<string, CellValue> }>;
}

/** The Tasks page's data: filtered, with the chosen columns, sorted, one page of it. */
export async function taskTable(store: TaskStore, cache: ScalarCache, query: TaskQuery): Promise<TaskTable> {
  const columns = (query.columns ?? DEFAULT_COLUMNS).map(parseColumn);
  const sort = query.sort ? parseColumn(query.sort) : undefined;
  const tasks = (await store.list({ project: query.project, type: query.type, parent: query.parent, status: query.status })).filter((t) => matches(t, query));
  const needScalars = [...columns, ...(sort ? [sort] : [])].some((c) => c.kind === 'last' || c.kind === 'best');
  const scalars = needScalars ? await Promise.all(tasks.map((t) => cache.get(store, t))) : [];
  const now = Date.now();
  let indexed = tasks.map((task, i) => ({ task, scalars: scalars[i] ?? {} }));
  if (sort) {
    const sign = query.order === 'desc' ? -1 : 1;
    const keyed = indexed.map((r) => ({ r, key: cell(sort, r.task, r.scalars, now) }));
    keyed.sort((a, b) => compareCells(a.key, b.key, sign));
    indexed = keyed.map((k) => k.r);
  } else if (query.order === 'desc') indexed.reverse();
  const page = indexed.slice(query.offset, query.offset + query.limit);
  return {
    total: tasks.length,
    offset: query.offset,
    limit: query.limit,
    columns: columns.map((c) => c.spec),
    rows: page.map(({ task, scalars: s }) => ({ id: task.id, values: Object.fromEntries(columns.map((c) => [c.spec, cell(c, task, s, now)])) })),
  };
}

/** Missing values sort last in both directions. */
function compareCells(a: CellValue, b: CellValue, sign: number): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return sign * (a - b);
  return sign * String(a).localeCompare(String(b));
}

function matches(task: Task, query: TaskQuery): boolean {
  if (query.tag && !task.tags.includes(query.tag)) return false;
  if (query.q) {
    const needle = query.q.toLowerCase();
    if (![task.id, task.name, task.project, ...task.tags].some((s) => s.toLowerCase().includes(needle))) return false;
  }
  return true;
}

function cell(column: Column, task: Task, scalars: ScalarSeries, now: number): CellValue {
  switch (column.kind) {
    case 'param':
      return task.params[column.name] ?? null;
    case 'last':
      return scalars[column.name]?.at(-1)?.value ?? null;
    case 'best':
      return bestOf(column.name, scalars[column.name]);
    case 'field':
      return fieldCell(column.field, task, now);
  }
}

function fieldCell(field: Field, task: Task, now: number): CellValue {
  switch (field) {
    case 'duration':
      return task.startedAt ? (task.finishedAt ?? now) - task.startedAt : null;
    case 'tags':
      return task.tags.join(' ');
    case 'parent':
      return task.parent ?? null;
    case 'agent':
      return task.environment?.host ?? null;
    case 'created':
      return task.createdAt;
    case 'status':
      return task.status;
    default:
      return task[field];
  }
}

/** Names a column picker offers: every param and scalar seen in `tasks` (scalars read through the cache). */
export async function columnChoices(store: TaskStore, cache: ScalarCache, tasks: readonly Task[]): Promise<{ fields: readonly string[]; params: string[]; scalars: string[] }> {
  const params = new Set<string>();
  const scalars = new Set<string>();
  for (const t of tasks) for (const k of Object.keys(t.params)) params.add(k);
  for (const s of await Promise.all(tasks.map((t) => cache.get(store, t)))) for (const k of Object.keys(s)) scalars.add(k);
  return { fields: FIELD_COLUMNS, params: [...params].sort(), scalars: [...scalars].sort() };
}

/** The table as CSV (RFC 4180 quoting; cells that a spreadsheet would run as a formula get a leading '). */
export function toCsv(table: TaskTable): string {
  const quote = (v: CellValue): string => {
    let s = v === null ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(s) && typeof v !== 'number') s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [['id', ...table.columns].map(quote).join(',')];
  for (const row of table.rows) lines.push([row.id, ...table.columns.map((c) => row.values[c])].map(quote).join(','));
  return lines.join('\r\n') + '\r\n';
}

import { hostname } from 'node:os';
import { z } from 'zod';
import { ConfigError, isFinal, type Task, type TaskStore } from '../core/index.ts';
import { EMPTY_STATE } from './decide.ts';
import type { LoggedDecision, ScalerState } from './types.ts';

/**
 * The autoscaler's record: one task of type `autoscaler` per set of queues (its `key`). Its
 * `result` holds the state (instances, instance-time, last start, who runs it), its log one
 * JSON line per decision (`autoscale {...}`), its heartbeatAt the owner's last tick. A task,
 * not a new kind of record, because the store already gives what this needs on every backend
 * (atomic updates, an append-only log, listing by type) and `hpo tasks show` displays it.
 */

const instanceSchema = z.object({
  id: z.string(),
  name: z.string(),
  startedAt: z.number(),
  seenAt: z.number().optional(),
  stoppingAt: z.number().optional(),
  stopCause: z.enum(['idle', 'dead', 'budget', 'over-max', 'stop-timeout']).optional(),
  detail: z.record(z.string(), z.unknown()).optional(),
});
const ownerSchema = z.object({ host: z.string(), pid: z.number().int() });
const resultSchema = z.object({
  state: z.object({ instances: z.array(instanceSchema), closedMs: z.number(), lastStartAt: z.number().optional(), holdReason: z.string().optional() }),
  owner: ownerSchema.optional(),
});

export type Owner = z.output<typeof ownerSchema>;

/** The prefix of each decision line in the record's log. */
export const DECISION_LINE = 'autoscale ';

export interface AutoscaleRecord {
  readonly taskId: string;
  /** The state as recorded (empty for a new record). */
  readonly state: ScalerState;
  save(state: ScalerState, now: number): Promise<void>;
  log(decisions: readonly LoggedDecision[]): Promise<void>;
  /** A clean exit: the record ends `stopped`, so the next autoscaler takes it over at once. */
  close(reason: string): Promise<void>;
}

export interface OpenRecordOptions {
  store: TaskStore;
  key: string;
  /** The resolved options, kept on the record for people reading it. */
  config: unknown;
  /** A running record whose owner beat within this is someone else's live autoscaler. */
  staleMs: number;
  now: number;
  owner?: Owner;
  /** Pid liveness on this host (injected for tests). */
  isAlive?: (pid: number) => boolean;
}

/**
 * Opens (or creates) the record for `key` and takes ownership. Refuses, with an error naming
 * the other process, while another autoscaler runs it (its heartbeat is fresh and, on this
 * host, its pid lives), because two autoscalers on one queue would both start instances.
 */
export async function openRecord(options: OpenRecordOptions): Promise<AutoscaleRecord> {
  const { store, key, now } = options;
  const owner = options.owner ?? { host: hostname(), pid: process.pid };
  const existing = (await store.list({ type: 'autoscaler' })).filter((t) => (t.config as { key?: unknown } | undefined)?.key === key).at(-1);
  let task: Task;
  let state: ScalerState = EMPTY_STATE;
  if (existing) {
    const parsed = resultSchema.safeParse(existing.result);
    if (parsed.success) state = parsed.data.state;
    const other = parsed.success ? parsed.data.owner : undefined;
    if (existing.status === 'running' && other && !(other.host === owner.host && other.pid === owner.pid)) {
      const fresh = now - (existing.heartbeatAt ?? existing.updatedAt) < options.staleMs;
      const deadHere = other.host === owner.host && !(options.isAlive ?? pidAlive)(other.pid);
      if (fresh && !deadHere) {
        throw new ConfigError(
          `Another autoscaler (pid ${other.pid} on ${other.host}) runs queues ${key} (record ${existing.id}, last tick ${Math.round((now - (existing.heartbeatAt ?? 0)) / 1000)} s ago). Stop it first, or wait ${Math.round(options.staleMs / 1000)} s after it died.`,
        );
      }
    }
    task = existing;
    if (isFinal(task.status)) task = await store.setStatus(task.id, 'queued', { reason: 'autoscaler restarted' });
    if (task.status !== 'running') task = await store.setStatus(task.id, 'running', { reason: 'autoscaler running' });
  } else {
    task = await store.create({ name: `autoscale ${key}`, project: 'autoscale', type: 'autoscaler', trainer: { type: 'autoscaler' }, params: {}, tags: ['autoscaler'], config: { key, options: options.config }, status: 'queued' });
    task = await store.setStatus(task.id, 'running', { reason: 'autoscaler running' });
  }
  const taskId = task.id;
  const save = async (next: ScalerState, at: number): Promise<void> => {
    await store.update(taskId, { result: { state: next, owner }, heartbeatAt: at });
  };
  await save(state, now);
  return {
    taskId,
    state,
    save,
    async log(decisions) {
      if (decisions.length) await store.appendLog(taskId, decisions.map((d) => `${DECISION_LINE}${JSON.stringify(d)}\n`).join(''));
    },
    async close(reason) {
      await store.setStatus(taskId, 'stopped', { expect: ['running'], reason }).catch(() => {});
    },
  };
}

/** The decisions recorded in an autoscaler record's log, oldest first. */
export async function readDecisions(store: TaskStore, taskId: string): Promise<LoggedDecision[]> {
  return (await store.readLog(taskId))
    .split('\n')
    .filter((l) => l.startsWith(DECISION_LINE))
    .map((l) => JSON.parse(l.slice(DECISION_LINE.length)) as LoggedDecision);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The recorded state for `key`, read only (for `--dry-run`); empty when there is no record. */
export async function readRecordState(store: TaskStore, key: string): Promise<ScalerState> {
  const existing = (await store.list({ type: 'autoscaler' })).filter((t) => (t.config as { key?: unknown } | undefined)?.key === key).at(-1);
  const parsed = resultSchema.safeParse(existing?.result);
  return parsed.success ? parsed.data.state : EMPTY_STATE;
}

import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock, type Clock, type TaskStore } from '../core/index.ts';
import type { QueueWatch } from '../exec/queue/queue-watch.ts';
import { EMPTY_STATE, decide, recordStart } from './decide.ts';
import type { Provider } from './providers/provider.ts';
import { openRecord, type AutoscaleRecord } from './record.ts';
import type { AgentSign, LoggedDecision, ScalePolicy, ScalerState } from './types.ts';

export type AutoscaleLog = (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;

export interface AutoscalerOptions {
  store: TaskStore;
  provider: Provider;
  watch: QueueWatch;
  policy: ScalePolicy;
  queues: readonly string[];
  /** Instance names start with this (the provider's tag); the record is found by the queues. */
  namePrefix: string;
  pollMs: number;
  /** Resolved options, kept on the record. */
  config?: unknown;
  log?: AutoscaleLog;
  clock?: Clock;
  /** Stops the loop; the record ends `stopped` and instances keep running for the next autoscaler. */
  signal?: AbortSignal;
}

/** The record key of a set of queues: order does not matter. */
export function recordKey(queues: readonly string[]): string {
  return [...new Set(queues)].sort().join(',');
}

/** A fresh instance name: the prefix and 6 hex digits (valid as an agent name, a pod or VM name). */
export function instanceName(prefix: string): string {
  return `${prefix}${randomBytes(3).toString('hex')}`;
}

/**
 * Runs the autoscaler until `signal` aborts: every `pollMs` it reads the queues, the provider
 * and the agents' presence, asks `decide` what to do, does it, and records decisions and state
 * in the store. State is rebuilt from the record and the provider's list at start, so a
 * restart (even after kill -9) adopts the running instances and starts none twice.
 */
export async function runAutoscaler(options: AutoscalerOptions): Promise<void> {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? (() => {});
  const record = await openRecord({
    store: options.store,
    key: recordKey(options.queues),
    config: options.config,
    staleMs: Math.max(3 * options.pollMs, 10_000),
    now: clock.now(),
  });
  log('info', `autoscaler record ${record.taskId}: ${record.state.instances.length} instance(s) recorded`, { taskId: record.taskId });
  let state = record.state;
  let firstTick = true;
  try {
    while (!options.signal?.aborted) {
      try {
        state = await tick({ ...options, log }, record, state, firstTick, clock);
        firstTick = false;
      } catch (error) {
        log('warn', `autoscaler tick failed; trying again: ${(error as Error).message}`);
      }
      await sleep(options.pollMs, undefined, { signal: options.signal }).catch(() => {});
    }
  } finally {
    await record.close('autoscaler stopped; its instances keep running until the next autoscaler adopts them');
  }
}

/** What one tick would decide now, without acting or writing: `hpo autoscale --dry-run`. */
export async function planOnce(options: Omit<AutoscalerOptions, 'signal'>, state: ScalerState = EMPTY_STATE): Promise<LoggedDecision[]> {
  const clock = options.clock ?? systemClock;
  const observed = await observe(options, state);
  return decide(state, { ...observed, now: clock.now(), firstTick: true }, options.policy).decisions;
}

async function observe(options: Pick<AutoscalerOptions, 'provider' | 'watch'>, state: ScalerState) {
  const queue = await options.watch.depth();
  const listed = await options.provider.list();
  const names = [...new Set([...state.instances.map((i) => i.name), ...listed.map((l) => l.name)])];
  const presence = await options.watch.presence(names);
  const agents = new Map<string, AgentSign>([...presence].map(([name, p]) => [name, { running: p.running.length, idleMs: p.idleMs }]));
  return { queue, listed, agents };
}

async function tick(options: AutoscalerOptions & { log: AutoscaleLog }, record: AutoscaleRecord, state: ScalerState, firstTick: boolean, clock: Clock): Promise<ScalerState> {
  const observed = await observe(options, state);
  const now = clock.now();
  const { state: decided, decisions } = decide(state, { ...observed, now, firstTick }, options.policy);
  let next = decided;
  const done: LoggedDecision[] = [];
  for (const d of decisions) {
    if (d.kind === 'start') {
      const name = instanceName(options.namePrefix);
      try {
        const started = await options.provider.start(name);
        next = recordStart(next, { id: started.id, name, startedAt: clock.now(), detail: started.detail });
        await record.save(next, clock.now()); // before anything else: a crash now must not lose it
        done.push({ ...d, reason: `${d.reason}: ${name} (${started.id})` });
      } catch (error) {
        done.push({ ...d, kind: 'hold', reason: `start failed: ${(error as Error).message}` });
      }
    } else if (d.kind === 'stop') {
      try {
        await options.provider.stop({ id: d.id, name: d.name }, { force: d.force });
        done.push(d);
      } catch (error) {
        done.push({ ...d, reason: `${d.reason} (the stop failed and is retried after the stop timeout: ${(error as Error).message})` });
      }
    } else {
      done.push(d);
    }
  }
  for (const d of done) {
    const who = 'name' in d ? ` ${d.name}` : '';
    options.log(d.kind === 'hold' ? 'warn' : 'info', `autoscale ${d.kind}${who}: ${d.reason} [${d.instances}/${d.max} instances, ${(d.usedMs / 3_600_000).toFixed(3)} instance-h used]`, { decision: d });
  }
  await record.log(done);
  await record.save(next, clock.now());
  return next;
}

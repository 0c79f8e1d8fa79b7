import { hostname } from 'node:os';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { ConfigError, settlesWithin, systemClock, type Clock, type TaskStore } from '../../core/index.ts';
import { closeRedis, connectRedis } from '../../store/redis/connection.ts';
import { watchBullmq } from '../../store/redis/outage.ts';
import { createProcessor, REQUEUE_ENDING, slotEnv, type AgentLog, type AgentTaskRunner, type ControllerRunner, type RunningTask } from './job-processor.ts';
import { startPresence, type Presence } from './presence.ts';
import { assertAgentName, assertQueueName, bullPrefix } from './queue-keys.ts';
import { SlotPool } from './slots.ts';
import { agentTiming, type AgentTiming } from './timing.ts';

export interface AgentOptions {
  /** Queues to take jobs from (`--queue gpu --queue services`). */
  queues: readonly string[];
  /** Trials run at once. Default: the number of GPUs, else 1. */
  concurrency?: number;
  /** GPU ids (`--gpus 0,1`): one per concurrent slot, passed to the runner as CUDA_VISIBLE_DEVICES. */
  gpus?: readonly string[];
  /** The queue's Redis (`redis://[:password@]host:port[/db]`, `rediss://` for TLS). */
  redisUrl: string;
  /** Key prefix shared with the executors that enqueue (default `hpo:`). */
  prefix?: string;
  /** The store the tasks live in; the agent writes heartbeats and requeues into it. */
  store: TaskStore;
  /** Runs one trial task here (records status, scalars, logs; honours its signal at epoch ends). */
  runTask: AgentTaskRunner;
  /** Runs one controller task's study here; without it, controller jobs fail with a clear error. */
  runController?: ControllerRunner;
  log?: AgentLog;
  clock?: Clock;
  /** Lock, stall and heartbeat clocks; see AgentTiming for the defaults and why. */
  timing?: Partial<AgentTiming>;
  /** A name for logs and its presence record and `hpo agents` (`hpo agent --name`; the autoscaler names its instances). Default `<host>:<pid>`. */
  name?: string;
  /** The hpo version, shown by `hpo agents`. */
  version?: string;
  /**
   * Between a stop and a kill of a trial (the child runner's SIGTERM, then SIGKILL). A shutdown
   * waits about twice this for running trials, then hands back those that ignore their stop.
   * Default 10 s.
   */
  graceMs?: number;
}

export interface Agent {
  readonly name: string;
  readonly queues: readonly string[];
  readonly timing: AgentTiming;
  /** Ids of the tasks running here now. */
  runningTasks(): string[];
  /** The environment of each trial slot's process (`hpo agent` forks each slot a spare with it at start-up). */
  slotEnvs(): Record<string, string>[];
  /**
   * Stops taking jobs and shuts down. Without `drain`, running tasks are asked to stop at
   * their next epoch boundary and go back to the queue (task running -> queued) for another
   * agent; with `drain`, they finish first. Resolves when everything is handed back or done.
   */
  close(options?: { drain?: boolean }): Promise<void>;
}

const noLog: AgentLog = () => {};

/** How long a shutdown step may wait on a Redis that answers before the agent goes without it. */
const REDIS_CLOSE_MS = 2_000;

/**
 * Starts an agent: one BullMQ worker per queue, taking trial and controller jobs and running
 * them through the injected functions (never a shell). Fails fast with RedisUnavailableError
 * when Redis does not answer; reconnects on its own afterwards. Stalled-job recovery is on
 * (see AgentTiming): a job whose agent died is run again by another agent, once.
 */
export async function startAgent(options: AgentOptions): Promise<Agent> {
  const queues = [...new Set(options.queues)];
  if (queues.length === 0) throw new ConfigError('An agent needs at least one queue: pass --queue NAME (e.g. --queue default).');
  queues.forEach((q) => assertQueueName(q));
  const gpus = options.gpus?.length ? [...options.gpus] : undefined;
  gpus?.forEach(assertGpuId);
  const concurrency = options.concurrency ?? gpus?.length ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new ConfigError(`Agent concurrency must be a whole number >= 1, got ${concurrency}.`);
  }
  if (gpus && concurrency > gpus.length) {
    throw new ConfigError(
      `Agent concurrency ${concurrency} with ${gpus.length} GPU(s) (${gpus.join(',')}): each concurrent trial gets its own GPU. ` +
        'Lower --concurrency or list more GPUs.',
    );
  }
  const timing = agentTiming(options.timing);
  const log = options.log ?? noLog;
  const name = options.name ?? `${hostname()}:${process.pid}`;
  assertAgentName(name);
  const running = new Map<string, RunningTask>();
  const graceMs = options.graceMs ?? 10_000;
  let requeueing = false;

  const connection: Redis = await connectRedis(options.redisUrl, {
    maxRetriesPerRequest: null,
    onError: (error) => log('warn', `Redis error: ${error.message}`, { error: error.message }),
  });
  const slots = new SlotPool(concurrency, gpus);
  const processor = createProcessor({
    store: options.store,
    agentName: name,
    timing,
    clock: options.clock ?? systemClock,
    slots,
    runTask: options.runTask,
    runController: options.runController,
    running,
    log,
    isRequeueing: () => requeueing,
    graceMs,
  });
  let presence: Presence | undefined;
  const workers = queues.map((queue) => {
    const worker = new Worker(queue, processor, {
      connection,
      prefix: bullPrefix(options.prefix),
      concurrency,
      lockDuration: timing.lockDurationMs,
      stalledInterval: timing.stalledIntervalMs,
      maxStalledCount: timing.maxStalledCount,
      name,
    });
    // Connection loss is reported once per outage by the connection itself (outage.ts).
    watchBullmq(worker, (error) => log('warn', `worker error on queue ${queue}: ${error.message}`, { queue, error: error.message }));
    worker.on('failed', (job, error) =>
      log('warn', `job ${job?.id} (task ${taskOf(job?.data)}) failed on queue ${queue}: ${error.message}`, { queue, jobId: job?.id, taskId: taskOf(job?.data), reason: error.message }),
    );
    worker.on('stalled', (jobId) => log('warn', `stalled job ${jobId} returned to queue ${queue}`, { queue, jobId }));
    // `hpo agents` and the autoscaler see a task start or end at once, not a heartbeat later.
    worker.on('active', () => presence?.beat());
    worker.on('completed', () => presence?.beat());
    worker.on('failed', () => presence?.beat());
    return worker;
  });
  try {
    await Promise.all(workers.map((w) => w.waitUntilReady()));
  } catch (error) {
    await Promise.allSettled(workers.map((w) => w.close(true)));
    connection.disconnect();
    throw error;
  }
  // Presence tells an autoscaler this agent lives and how long it has been idle.
  presence = startPresence({
    connection,
    prefix: options.prefix,
    name,
    queues,
    slots: concurrency,
    running: () => [...running.keys()],
    gpus,
    version: options.version,
    everyMs: timing.heartbeatMs,
    ttlMs: timing.staleMs,
    now: () => (options.clock ?? systemClock).now(),
    onError: (error) => log('warn', 'presence beat failed; trying again', { error: (error as Error).message }),
  });
  log('info', 'agent started', { name, queues, concurrency, gpus, timing });

  // A shutdown step that needs Redis waits a moment for it, and not at all while it is
  // unreachable (SIGTERM during an outage): it would wait for Redis to come back.
  const redisWaitMs = (): number => (connection.status === 'ready' ? REDIS_CLOSE_MS : 0);
  let closing: Promise<void> | undefined;
  return {
    name,
    queues,
    timing,
    runningTasks: () => [...running.keys()],
    slotEnvs: () => slots.all().map(({ slot, gpu }) => slotEnv(name, slot, gpu)),
    close: ({ drain = false } = {}) => {
      closing ??= (async () => {
        if (!drain) {
          requeueing = true;
          for (const entry of running.values()) {
            entry.requeue = true;
            entry.abort.abort(REQUEUE_ENDING);
          }
        }
        log('info', drain ? 'agent draining: running tasks finish first' : 'agent stopping: running tasks go back to the queue', {
          running: [...running.keys()],
        });
        const closed = Promise.all(workers.map((w) => w.close()));
        const stopped = Promise.all([...running.values()].map((entry) => entry.stopped));
        if (!(await settlesWithin(stopped, 2 * graceMs + 2_000))) {
          // A trial that ignores its stop (a hung in-process trainer, or one waiting on a Redis
          // that is gone) must not hold the agent: hand it back to the queue for another agent
          // and close without waiting for it.
          for (const entry of running.values()) {
            log('warn', `task ${entry.taskId} (job ${entry.jobId}) ignored its stop for ${Math.round((2 * graceMs) / 1000)}s: handed back without waiting`, { taskId: entry.taskId, jobId: entry.jobId });
            await settlesWithin(options.store.setStatus(entry.taskId, 'queued', { expect: ['running'], reason: REQUEUE_ENDING.reason }), redisWaitMs());
          }
          // BullMQ's close is already under way and waits for that job; the job's lock expires
          // and the stalled-job check gives it to another agent. Drop the connection and go.
          void closed.catch(() => {});
        } else {
          // What is left of BullMQ's close (jobs handed back, its connections) needs Redis: the
          // full time while it answers, none while it is gone (it would wait for its return).
          await settlesWithin(closed, connection.status === 'ready' ? 2 * graceMs + 2_000 : 0);
        }
        await settlesWithin(presence.stop(), redisWaitMs());
        await closeRedis(connection, REDIS_CLOSE_MS);
        log('info', 'agent stopped', { name });
      })();
      return closing;
    },
  };
}

function taskOf(data: unknown): string {
  const id = (data as { taskId?: unknown } | undefined)?.taskId;
  return typeof id === 'string' ? id : '?';
}

const GPU_ID = /^[A-Za-z0-9-]{1,64}$/;

function assertGpuId(id: string): void {
  if (!GPU_ID.test(id)) {
    throw new ConfigError(`Invalid GPU id ${JSON.stringify(id)} in --gpus: use indexes or UUIDs separated by commas, e.g. --gpus 0,1.`);
  }
}

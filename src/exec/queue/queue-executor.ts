import { QueueEvents, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { isFinal, settlesWithin, systemClock, type Clock, type Task, type TaskStore } from '../../core/index.ts';
import type { Executor, ExecutorEvents, StopEnding, TrialOutcome } from '../../study/executor.ts';
import { asOutageError, closeRedis, connectRedis, redactUrl } from '../../store/redis/connection.ts';
import { watchBullmq } from '../../store/redis/outage.ts';
import { assertTaskId } from '../../store/task-id.ts';
import { LIVE_JOB_STATES, addTaskJob, openQueue } from './enqueue.ts';
import { progressSchema } from './job-payload.ts';
import { DEFAULT_QUEUE, bullPrefix, jobIdFor, taskIdOfJob } from './queue-keys.ts';
import { agentTiming } from './timing.ts';
import type { TrialLimits } from '../watchdog.ts';

const FINAL: ReadonlySet<string> = new Set(['completed', 'failed', 'stopped']);
const endingSchema = z.object({ kind: z.enum(['completed', 'pruned', 'failed', 'timeout', 'interrupted', 'stopped']), reason: z.string() });
const jobResultSchema = z.object({ status: z.string(), reason: z.string().optional(), ending: endingSchema.optional() });

/** `stopped` with an `interrupted` ending is an agent handing the trial back to the queue, not an end. */
function isHandBack(status: string, ending: { kind: string } | undefined): boolean {
  return status === 'stopped' && ending?.kind === 'interrupted';
}

export interface QueueExecutorOptions {
  store: TaskStore;
  /** How agents name the store (the `--store` value); default `store.location`. */
  storeSpec?: string;
  redisUrl: string;
  prefix?: string;
  /** Queue trials go to (config `execution.queue`). Default `default`. */
  queue?: string;
  /** Trials the controller keeps in flight (the sum of the agents' slots it may use). Default 1. */
  capacity?: number;
  events: ExecutorEvents;
  /** The study's time limits for each trial; agents enforce them. */
  limits?: TrialLimits;
  /** How often in-flight tasks are re-read from the store, in case a queue event was lost. Default 2000 ms. */
  pollMs?: number;
  /** A task with no heartbeat for this long and no live job is not alive. Default: the agents' default staleness. */
  staleMs?: number;
  clock?: Clock;
}

/**
 * Runs trials through a BullMQ queue that agents consume. `submit` adds a job whose id is the
 * task id (submitting twice is harmless). Events reach the controller from BullMQ's event
 * stream (active -> started, progress -> reported) and finishes are read from the store, the
 * authority, on every completed/failed event and on a timer, so a lost event (Redis restarted)
 * only delays a `finished`. `stop` goes through the store's stop request, honoured by the
 * agent at the trial's next epoch boundary; a trial still waiting is taken off the queue.
 */
export class QueueExecutor implements Executor {
  readonly name = 'queue';
  readonly capacity: number;
  private readonly inFlight = new Map<string, { started: boolean }>();
  private readonly timer: NodeJS.Timeout;
  private readonly storeSpec: string;
  private readonly staleMs: number;
  private readonly clock: Clock;
  private closed = false;

  private constructor(
    private readonly options: QueueExecutorOptions,
    private readonly queue: Queue,
    private readonly queueEvents: QueueEvents,
    private readonly connections: Redis[],
  ) {
    this.capacity = options.capacity ?? 1;
    this.storeSpec = options.storeSpec ?? options.store.location;
    this.staleMs = options.staleMs ?? agentTiming().staleMs;
    this.clock = options.clock ?? systemClock;
    queueEvents.on('active', ({ jobId }) => this.onActive(taskIdOfJob(jobId)));
    queueEvents.on('progress', ({ jobId, data }) => this.onProgress(taskIdOfJob(jobId), data));
    queueEvents.on('completed', ({ jobId, returnvalue }) => this.onCompleted(taskIdOfJob(jobId), returnvalue));
    queueEvents.on('failed', ({ jobId, failedReason }) => void this.check(taskIdOfJob(jobId), failedReason));
    this.timer = setInterval(() => void this.pollAll(), options.pollMs ?? 2_000);
  }

  /** Connects (fail fast: RedisUnavailableError naming the URL) and starts listening. */
  static async open(options: QueueExecutorOptions): Promise<QueueExecutor> {
    const { queue, connection } = await openQueue(options.redisUrl, options.queue ?? DEFAULT_QUEUE, options.prefix);
    try {
      const eventsConnection = await connectRedis(options.redisUrl, { maxRetriesPerRequest: null });
      const queueEvents = new QueueEvents(queue.name, { connection: eventsConnection, prefix: bullPrefix(options.prefix) });
      watchBullmq(queue);
      watchBullmq(queueEvents);
      await queueEvents.waitUntilReady();
      return new QueueExecutor(options, queue, queueEvents, [connection, eventsConnection]);
    } catch (error) {
      await queue.close().catch(() => {});
      connection.disconnect();
      throw error;
    }
  }

  async submit(task: Task): Promise<void> {
    assertTaskId(task.id);
    if (!this.inFlight.has(task.id)) this.inFlight.set(task.id, { started: false });
    await this.redis(() => addTaskJob(this.queue, 'trial', task.id, this.storeSpec, this.options.limits));
  }

  async stop(taskId: string, ending: StopEnding): Promise<void> {
    assertTaskId(taskId);
    await this.redis(() => this.stopTask(taskId, ending));
  }

  private async stopTask(taskId: string, ending: StopEnding): Promise<void> {
    const { reason, kind } = ending;
    const task = await this.options.store.get(taskId);
    if (isFinal(task.status)) return;
    await this.options.store.requestStop(taskId, reason, { kind });
    const job = await this.queue.getJob(jobIdFor(taskId));
    const state = job ? await job.getState() : 'missing';
    if (job && state !== 'active') await job.remove().catch(() => {}); // taken meanwhile: the agent sees the request
    if (state !== 'active') {
      await this.options.store.setStatus(taskId, 'stopped', { expect: ['queued'], reason, ending }).catch(() => {});
    }
    await this.check(taskId);
  }

  /** A remote trial cannot be killed from here: the agent stops it at its next epoch boundary. */
  async kill(taskId: string, ending: StopEnding): Promise<void> {
    await this.stop(taskId, ending);
  }

  async isAlive(task: Task): Promise<boolean> {
    if (isFinal(task.status)) return false;
    const job = await this.redis(() => this.queue.getJob(jobIdFor(task.id)));
    const live = (job && LIVE_JOB_STATES.has(await this.redis(() => job.getState()))) || this.clock.now() - (task.heartbeatAt ?? 0) < this.staleMs;
    // The controller waits for a live task, so it must hear when it finishes.
    if (live && !this.inFlight.has(task.id)) this.inFlight.set(task.id, { started: task.status === 'running' });
    return Boolean(live);
  }

  /** Never waits on an unreachable Redis (the study may be ending because Redis went away). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await settlesWithin(Promise.all([this.queueEvents.close(), this.queue.close()]), 2_000);
    await Promise.all(this.connections.map((c) => closeRedis(c)));
  }

  /** Queue calls that gave up during an outage become RedisOutageError (one line for the user). */
  private async redis<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw asOutageError(error, redactUrl(this.options.redisUrl));
    }
  }

  private onActive(taskId: string): void {
    const entry = this.inFlight.get(taskId);
    if (!entry || entry.started) return;
    entry.started = true;
    this.options.events.started(taskId);
  }

  private onProgress(taskId: string, data: unknown): void {
    if (!this.inFlight.has(taskId)) return;
    const parsed = progressSchema.safeParse(data);
    if (!parsed.success) return; // not ours to trust; the store has the real values
    this.onActive(taskId);
    this.options.events.reported(taskId, parsed.data.step, parsed.data.scalars);
  }

  /** The agent's JobResult carries the final status it read from the store: no need to read it again. */
  private onCompleted(taskId: string, returnvalue: unknown): void {
    const result = jobResultSchema.safeParse(returnvalue);
    const status = result.success ? result.data.status : undefined;
    if (!result.success || !result.data.ending || !FINAL.has(status!) || isHandBack(status!, result.data.ending) || !this.inFlight.delete(taskId)) {
      void this.check(taskId);
      return;
    }
    this.options.events.finished(taskId, { status: status as TrialOutcome['status'], ending: result.data.ending, reason: result.data.reason });
  }

  private async pollAll(): Promise<void> {
    for (const taskId of [...this.inFlight.keys()]) await this.check(taskId);
  }

  /** Emits `finished` once the store shows a final status; records a job that failed for good. */
  private async check(taskId: string, failedReason?: string): Promise<void> {
    if (!this.inFlight.has(taskId) || this.closed) return;
    try {
      let task = await this.options.store.get(taskId);
      if (!isFinal(task.status)) {
        const job = await this.queue.getJob(jobIdFor(taskId));
        const state = job ? await job.getState() : 'missing';
        if (state === 'failed') {
          const reason = `agent could not run the trial: ${failedReason ?? job?.failedReason ?? 'job failed'}`;
          task = await this.options.store.setStatus(taskId, 'failed', { expect: ['queued', 'running'], reason, ending: { kind: 'failed', reason } });
        } else if (state === 'missing' && task.status === 'queued') {
          // The job vanished (Redis lost its data): enqueue it again; the task is what counts.
          await addTaskJob(this.queue, 'trial', taskId, this.storeSpec, this.options.limits);
        }
      }
      if (!isFinal(task.status) || isHandBack(task.status, task.ending)) return;
      if (!this.inFlight.delete(taskId)) return;
      const status = task.status as TrialOutcome['status'];
      const outcome: TrialOutcome = { status, ending: task.ending ?? { kind: status, reason: task.statusReason ?? status }, reason: task.statusReason };
      this.options.events.finished(taskId, outcome);
    } catch {
      // Store or Redis briefly away: the next poll tries again.
    }
  }
}

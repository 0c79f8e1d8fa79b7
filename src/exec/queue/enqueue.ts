import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { assertTaskId } from '../../store/task-id.ts';
import { asOutageError, closeRedis, connectRedis, redactUrl } from '../../store/redis/connection.ts';
import { watchBullmq } from '../../store/redis/outage.ts';
import { makeJobPayload, type JobKind } from './job-payload.ts';
import type { TrialLimits } from '../watchdog.ts';
import { assertQueueName, bullPrefix, jobIdFor } from './queue-keys.ts';

/** States in which a job still stands to be run (or is running). */
export const LIVE_JOB_STATES: ReadonlySet<string> = new Set(['active', 'waiting', 'delayed', 'prioritized', 'waiting-children', 'paused']);

/** Retries are for agent-side failures (Redis gone, runner bug); a trainer's failure is recorded by the runner, not retried. */
const JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};

/**
 * A BullMQ queue handle for one named queue, opened fail-fast. A producer needs no blocking
 * commands, so its own connection gives up on an outage like the store does (RedisOutageError
 * through `asOutageError`) instead of waiting for Redis for ever.
 */
export async function openQueue(redisUrl: string, queue: string, prefix?: string, connection?: Redis): Promise<{ queue: Queue; connection: Redis; owned: boolean }> {
  assertQueueName(queue);
  const owned = connection === undefined;
  const conn = connection ?? (await connectRedis(redisUrl));
  const handle = new Queue(queue, { connection: conn, prefix: bullPrefix(prefix) });
  watchBullmq(handle);
  return { queue: handle, connection: conn, owned };
}

/**
 * Adds the job for task `taskId` to `queue`. Idempotent: the job id is the task id, so a second
 * add while the first is waiting or running changes nothing. A finished job of the same task
 * (a reopened controller, a requeued trial) is replaced, so the task runs again.
 */
export async function addTaskJob(queue: Queue, kind: JobKind, taskId: string, storeSpec: string, limits?: TrialLimits): Promise<void> {
  assertTaskId(taskId);
  const jobId = jobIdFor(taskId);
  const existing = await queue.getJob(jobId);
  if (existing) {
    const state = await existing.getState();
    if (LIVE_JOB_STATES.has(state)) return;
    await existing.remove().catch(() => {});
  }
  await queue.add(kind, makeJobPayload(kind, taskId, storeSpec, limits), { ...JOB_OPTIONS, jobId });
}

export interface EnqueueOptions {
  redisUrl: string;
  prefix?: string;
  queue: string;
  kind: JobKind;
  taskId: string;
  /** How agents name the store the task lives in (shown in their errors; passwords are removed). */
  storeSpec: string;
}

/**
 * Enqueues one task and disconnects: what `hpo run --remote` calls for the controller task
 * (kind `controller`, queue `services` by default) after creating it queued in the store.
 */
export async function enqueueTask(options: EnqueueOptions): Promise<void> {
  const { queue, connection } = await openQueue(options.redisUrl, options.queue, options.prefix);
  try {
    await addTaskJob(queue, options.kind, options.taskId, options.storeSpec);
  } catch (error) {
    throw asOutageError(error, redactUrl(options.redisUrl));
  } finally {
    await queue.close();
    await closeRedis(connection);
  }
}

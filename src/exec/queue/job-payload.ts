import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { formatIssues } from '../../core/parse-input.ts';
import { isTaskId } from '../../store/task-id.ts';
import { redactUrl } from '../../store/redis/connection.ts';
import type { TrialLimits } from '../watchdog.ts';

/** What kind of task a job runs: a trial (through the TaskRunner) or a whole study (runController). */
export type JobKind = 'trial' | 'controller';

/** The job data schema: read back from Redis, so checked like any external input. */
export const jobPayloadSchema = z.strictObject({
  kind: z.enum(['trial', 'controller']),
  taskId: z.string().refine(isTaskId, { message: 'task id must be 1-64 characters of [A-Za-z0-9_-]' }),
  /** The store the task lives in (passwords hidden); agents use it to explain a task they cannot find. */
  store: z.string().min(1).max(2048),
  /** The study's time limits for a trial, enforced by the agent that runs it. */
  limits: z
    .strictObject({
      trialTimeoutMs: z.number().int().positive().optional(),
      stallTimeoutMs: z.number().int().positive().optional(),
    })
    .optional(),
});

export type JobPayload = z.output<typeof jobPayloadSchema>;

/** The data of a job for `taskId`; `storeSpec` is redacted, so no password lands in a job. */
export function makeJobPayload(kind: JobKind, taskId: string, storeSpec: string, limits?: TrialLimits): JobPayload {
  const payload: JobPayload = { kind, taskId, store: /^rediss?:\/\//i.test(storeSpec) ? redactUrl(storeSpec) : storeSpec };
  if (limits && (limits.trialTimeoutMs || limits.stallTimeoutMs)) {
    payload.limits = Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)) as TrialLimits;
  }
  return payload;
}

/**
 * Parses job data read back from Redis. A malformed payload throws BullMQ's UnrecoverableError
 * (the job fails at once, no retries) whose message names the job, the field and the value.
 */
export function parseJobPayload(data: unknown, jobId: string | undefined): JobPayload {
  const result = jobPayloadSchema.safeParse(data, { reportInput: true });
  if (result.success) return result.data;
  throw new UnrecoverableError(formatIssues(result.error.issues, `payload of job ${JSON.stringify(jobId)}`));
}

/** Progress a job reports per epoch (job.updateProgress), read back by the queue executor. */
export const progressSchema = z.object({
  step: z.number(),
  // JSON turns NaN into null on the way through Redis; the store keeps the real value.
  scalars: z.record(z.string(), z.union([z.number(), z.null()]).transform((v) => v ?? Number.NaN)),
});

import { DelayedError, UnrecoverableError, WaitingError, type Job } from 'bullmq';
import { TaskNotFoundError, isFinal, type Clock, type Ending, type Task, type TaskStatus, type TaskStore } from '../../core/index.ts';
import { AGENT_NAME_ENV, AGENT_SLOT_ENV, type TaskRunner, type TrialOutcome } from '../../study/executor.ts';
import { startHeartbeat } from './heartbeat.ts';
import { startWatchdog, type Watchdog } from '../watchdog.ts';
import { parseJobPayload, type JobKind, type JobPayload } from './job-payload.ts';
import { isTaskGone } from '../../store/errors.ts';
import { jobIdFor } from './queue-keys.ts';
import type { SlotPool } from './slots.ts';
import type { AgentTiming } from './timing.ts';

/**
 * Text of the ending an agent gives a running task when it shuts down without draining. The
 * runner records `stopped` with an `interrupted` ending; the agent then moves the task back to
 * `queued` and hands its job back to the queue.
 */
export const REQUEUE_REASON = 'requeued: agent shutting down';
/** The abort reason of a non-draining shutdown. */
export const REQUEUE_ENDING: Ending = { kind: 'interrupted', reason: REQUEUE_REASON };
/** Status reason of a task found `running` with no recent heartbeat (its agent died). */
export const ORPHAN_REASON = 'requeued: its agent stopped responding';

/**
 * The environment a trial slot's process runs with: the agent's name, the slot, its GPU. Also
 * the key of the slot's spare process (the same slot always gives the same object).
 */
export function slotEnv(agentName: string | undefined, slot: number | undefined, gpu: string | undefined): Record<string, string> {
  return {
    [AGENT_NAME_ENV]: agentName ?? '',
    ...(slot === undefined ? {} : { [AGENT_SLOT_ENV]: String(slot) }),
    ...(gpu === undefined ? {} : { CUDA_VISIBLE_DEVICES: gpu }),
  };
}

/** A TaskRunner that also accepts the environment of its slot (`CUDA_VISIBLE_DEVICES`). */
export type AgentTaskRunner = (
  taskId: string,
  options: Parameters<TaskRunner>[1] & {
    env?: Record<string, string>;
    /** Called on console output of a trial in its own process: progress for `stallTimeout`. */
    onOutput?: () => void;
    /** Called once the trial is up (its process started): its time limits count from here. */
    onStarted?: () => void;
  },
) => Promise<TrialOutcome>;

/** Runs a controller task's whole study here; resolves when the study ends or `signal` aborts it. */
export type ControllerRunner = (controllerTaskId: string, signal: AbortSignal) => Promise<void>;

export type AgentLog = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

/** What a job returns to BullMQ (its `returnvalue`). `ran` is false when the agent had nothing to do. */
export interface JobResult {
  taskId: string;
  status: TaskStatus;
  reason?: string;
  /** Final tasks: how they ended (an `interrupted` one is being handed back, not ended). */
  ending?: Ending;
  ran: boolean;
}

/** A task running in this agent. */
export interface RunningTask {
  taskId: string;
  kind: JobKind;
  abort: AbortController;
  /** Set by a non-draining shutdown: hand the task back to the queue when it stops. */
  requeue: boolean;
  slot?: number;
  gpu?: string;
  jobId?: string;
  /** Set when the heartbeat found the task gone from the store (deleted, or the store wiped). */
  gone?: unknown;
  /** Resolves when the task stopped running here and its slot is free. */
  stopped: Promise<void>;
}

export interface ProcessorContext {
  store: TaskStore;
  /** Recorded by each task it runs (with the slot and GPU). */
  agentName?: string;
  timing: AgentTiming;
  clock: Clock;
  slots: SlotPool;
  runTask: AgentTaskRunner;
  runController?: ControllerRunner;
  running: Map<string, RunningTask>;
  log: AgentLog;
  /** True once a non-draining shutdown began: new jobs go straight back to the queue. */
  isRequeueing(): boolean;
  /** Between a stop and a kill (see LocalExecutor); a timed-out trial is given up on after twice this. */
  graceMs: number;
}

/** How long a trial job waits when every slot is busy (jobs from a second queue). */
const SLOT_RETRY_MS = 1_000;

/**
 * The BullMQ processor of an agent. For each job: validate the payload (malformed ->
 * UnrecoverableError, that job alone fails), decide from the task's record whether there is
 * anything to run (final -> nothing; `running` with a fresh heartbeat -> another process has
 * it, look again later; `running` and stale -> requeue it, then run), run it through the
 * injected runner with a heartbeat, and on a non-draining shutdown give it back to the queue.
 * The runner's compare-and-set claim (queued -> running) makes a doubly delivered job run once.
 * A task that vanishes from the store meanwhile (a wipe, a delete) ends its job with one line.
 */
export function createProcessor(ctx: ProcessorContext): (job: Job, token?: string) => Promise<JobResult> {
  return async (job, token) => {
    const payload = parseJobPayload(job.data, job.id);
    try {
      return await processJob(ctx, job, token, payload);
    } catch (error) {
      if (isTaskGone(error, payload.taskId)) return taskLost(ctx, job, payload.taskId, error as Error);
      throw error;
    }
  };
}

/** One job, start to end; a task that vanished from the store surfaces as its typed error. */
async function processJob(ctx: ProcessorContext, job: Job, token: string | undefined, payload: JobPayload): Promise<JobResult> {
  const { taskId, kind } = payload;
  if (job.id !== jobIdFor(taskId)) {
    throw new UnrecoverableError(`Job ${JSON.stringify(job.id)} carries task ${taskId}: a job's id must be its task's id (${jobIdFor(taskId)}).`);
  }
  if (kind === 'controller' && !ctx.runController) {
    throw new UnrecoverableError(`Job for controller task ${taskId} reached an agent that runs trials only: start the agent with controller support (\`hpo agent\`).`);
  }
  const task = await loadTask(ctx.store, taskId, payload.store);
  const skip = await prepare(ctx, job, token, task);
  if (skip) return skip;

  if (ctx.isRequeueing()) {
    await job.moveToWait(token);
    throw new WaitingError();
  }
  const slot = kind === 'trial' ? ctx.slots.claim() : undefined;
  if (kind === 'trial' && !slot) return delay(job, token, SLOT_RETRY_MS);
  let markStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (markStopped = resolve));
  const entry: RunningTask = { taskId, kind, abort: new AbortController(), requeue: false, slot: slot?.slot, gpu: slot?.gpu, jobId: job.id, stopped };
  ctx.running.set(taskId, entry);
  const stopBeating = startHeartbeat({
    store: ctx.store,
    taskId,
    everyMs: ctx.timing.heartbeatMs,
    clock: ctx.clock,
    onStopRequest: (request) => entry.abort.abort({ kind: request.kind ?? 'stopped', reason: request.reason } satisfies Ending),
    onError: (error) => {
      // An outage is already told once, when it starts and when it ends (outage.ts).
      if ((error as { code?: unknown })?.code === 'REDIS_OUTAGE') return;
      ctx.log('warn', `heartbeat of task ${taskId} failed: ${String(error)}`, { jobId: job.id, taskId, error: String(error) });
    },
    onGone: (error) => {
      // Nothing left to run for: stop the trial now rather than at its next store write.
      entry.gone = error;
      entry.abort.abort({ kind: 'failed', reason: (error as Error).message } satisfies Ending);
    },
  });
  ctx.log('info', `task ${taskId} started (job ${job.id}, ${kind})`, { jobId: job.id, taskId, kind, gpu: entry.gpu });
  let result: JobResult;
  try {
    result = await run(ctx, job, entry);
  } catch (error) {
    result = await afterThrow(ctx, taskId, error);
  } finally {
    await stopBeating();
    ctx.running.delete(taskId);
    if (slot) ctx.slots.release(slot.slot);
    markStopped();
  }
  if (entry.gone) throw entry.gone;
  if (entry.requeue && result.ran) return requeue(ctx, job, token, taskId, result);
  const why = result.reason ? `: ${result.reason}` : '';
  ctx.log('info', `task ${taskId} finished ${result.status}${why} (job ${job.id})`, { jobId: job.id, taskId, status: result.status, reason: result.reason, ran: result.ran });
  return result;
}

/**
 * The task vanished from the store while this agent had it (the store wiped under a running
 * study, or the task deleted): one line, nothing to record or hand back, no retry. When the
 * job went too (the queue lives in the same wiped Redis), BullMQ is told the job was moved
 * already, as there is nothing left for it to move; otherwise the job fails for good.
 */
async function taskLost(ctx: ProcessorContext, job: Job, taskId: string, error: Error): Promise<never> {
  ctx.log('warn', `task ${taskId} (job ${job.id}) lost: ${error.message}`, { jobId: job.id, taskId, code: (error as { code?: unknown }).code, reason: error.message });
  if ((await job.getState()) === 'unknown') throw new WaitingError();
  throw new UnrecoverableError(error.message);
}

async function loadTask(store: TaskStore, taskId: string, jobStore: string): Promise<Task> {
  try {
    return await store.get(taskId);
  } catch (error) {
    if (!(error instanceof TaskNotFoundError)) throw error;
    throw new UnrecoverableError(
      `Task ${taskId} is not in this agent's store (${store.location}); the job was enqueued for store ${jobStore}. ` +
        'Start the agent with --store pointing at that store.',
    );
  }
}

/** Returns a result when there is nothing to run; throws DelayedError to look again later. */
async function prepare(ctx: ProcessorContext, job: Job, token: string | undefined, task: Task): Promise<JobResult | undefined> {
  const done = (t: Task): JobResult => ({ taskId: t.id, status: t.status, reason: t.statusReason, ending: t.ending, ran: false });
  if (isFinal(task.status)) return done(task);
  if (task.status === 'draft') {
    throw new UnrecoverableError(`Task ${task.id} is a draft: only queued tasks run. Move it to queued before enqueueing it.`);
  }
  if (task.status === 'queued' && task.stopRequest) {
    const { reason, kind = 'stopped' } = task.stopRequest;
    return done(await ctx.store.setStatus(task.id, 'stopped', { expect: ['queued'], reason, ending: { kind, reason } }));
  }
  if (task.status === 'running') {
    const age = ctx.clock.now() - Math.max(task.heartbeatAt ?? 0, task.startedAt ?? 0);
    // A fresh heartbeat: the job was redelivered while its runner is alive (a slow event loop).
    if (age < ctx.timing.staleMs) return delay(job, token, ctx.timing.staleMs - age + 100);
    ctx.log('warn', `task ${task.id} orphaned by a dead agent (silent ${Math.round(age / 1000)}s): requeued and run again`, { jobId: job.id, taskId: task.id, silentMs: age });
    await ctx.store.setStatus(task.id, 'queued', { expect: ['running'], reason: ORPHAN_REASON });
  }
  return undefined;
}

async function run(ctx: ProcessorContext, job: Job, entry: RunningTask): Promise<JobResult> {
  const { taskId } = entry;
  if (entry.kind === 'controller') {
    await ctx.runController!(taskId, entry.abort.signal);
    const task = await ctx.store.get(taskId);
    return { taskId, status: task.status, reason: task.statusReason, ending: task.ending, ran: true };
  }
  const limits = parseJobPayload(job.data, job.id).limits;
  // Armed when the runner says the trial is up, so a slow process start is not the trial's fault.
  let watchdog: Watchdog | undefined;
  const arm = (): void => {
    watchdog ??= startWatchdog(limits, (error) => {
      ctx.log('warn', `task ${taskId} timed out (job ${job.id}): ${error.message}`, { jobId: job.id, taskId, reason: error.message });
      entry.abort.abort({ kind: 'timeout', reason: error.message } satisfies Ending);
    });
  };
  // Progress is the fast path only: the store has every report, and the controller reads it there.
  let jobGone = false;
  const running = ctx.runTask(taskId, {
    signal: entry.abort.signal,
    onReport: (step, scalars) => {
      watchdog?.activity();
      if (jobGone) return;
      job.updateProgress({ step, scalars }).catch(async (error: unknown) => {
        // The job went with a wiped queue: nothing to send progress to, for the rest of this run.
        if ((await job.getState().catch(() => undefined)) === 'unknown') return void (jobGone = true);
        ctx.log('warn', `progress of task ${taskId} not sent: ${String(error)}`, { jobId: job.id, taskId, error: String(error) });
      });
    },
    onOutput: () => watchdog?.activity(),
    onStarted: arm,
    env: slotEnv(ctx.agentName, entry.slot, entry.gpu),
  });
  try {
    const outcome = await Promise.race([running, givenUp(() => watchdog?.fired, ctx.graceMs)]);
    if (outcome) {
      // What the runner recorded is the result (a store that lost the task says so here).
      const task = await ctx.store.get(taskId);
      return { taskId, status: task.status, reason: task.statusReason, ending: task.ending, ran: true };
    }
    // The trainer ignored the stop and its code cannot be killed (an in-process slot): record the
    // timeout here and free the slot; whatever it does later loses the compare-and-set.
    running.catch(() => {});
    const reason = watchdog!.fired!.message;
    await ctx.store.setStatus(taskId, 'failed', { expect: ['running'], reason, ending: { kind: 'timeout', reason } }).catch(() => {});
    return { taskId, status: 'failed', reason, ending: { kind: 'timeout', reason }, ran: true };
  } finally {
    watchdog?.stop();
  }
}

/** Resolves undefined twice the grace period after the watchdog fired; never if it does not fire. */
function givenUp(fired: () => unknown, graceMs: number): Promise<undefined> {
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      if (!fired()) return;
      clearInterval(poll);
      setTimeout(() => resolve(undefined), 2 * graceMs + 1_000).unref();
    }, 200);
    poll.unref();
  });
}

/**
 * The runner threw. A lost compare-and-set means another process owns the task now: nothing
 * to record. Anything else (Redis gone past its retries, a runner bug) hands the task back
 * to `queued` and rethrows, so BullMQ's retry runs it again.
 */
async function afterThrow(ctx: ProcessorContext, taskId: string, error: unknown): Promise<JobResult> {
  // Gone from the store: the processor says so once; there is nothing to hand back.
  if (isTaskGone(error, taskId)) throw error;
  // A lost compare-and-set, or a controller whose lease another live process holds: theirs now.
  const code = (error as { code?: unknown })?.code;
  if (code === 'TASK_ILLEGAL_TRANSITION' || code === 'LEASE_HELD') {
    const task = await ctx.store.get(taskId);
    ctx.log('info', `task ${taskId} taken by another process (${task.status})`, { taskId, status: task.status });
    return { taskId, status: task.status, reason: task.statusReason, ran: false };
  }
  // A stack only for a bug: an explained error (Redis gone past its retries) is its message.
  const userFacing = (error as { userFacing?: unknown })?.userFacing === true;
  ctx.log('error', `runner of task ${taskId} threw: ${(error as Error)?.message ?? error}`, { taskId, error: String((userFacing ? undefined : (error as Error)?.stack) ?? error) });
  try {
    await ctx.store.setStatus(taskId, 'queued', { expect: ['running'], reason: `requeued after an agent error: ${(error as Error)?.message ?? error}` });
  } catch {
    // Not running (never claimed, or already final): nothing to hand back.
  }
  throw error;
}

/** After a non-draining shutdown stopped the task: back to `queued`, and the job back to wait. */
async function requeue(ctx: ProcessorContext, job: Job, token: string | undefined, taskId: string, result: JobResult): Promise<JobResult> {
  const task = await ctx.store.get(taskId);
  const stoppedForShutdown = task.status === 'stopped' && task.ending?.kind === 'interrupted';
  if (task.stopRequest && (task.status === 'running' || stoppedForShutdown)) {
    // A user or pruner asked for a stop too: honour it rather than rerunning the trial.
    const { reason, kind = 'stopped' } = task.stopRequest;
    if (task.status === 'running') await ctx.store.setStatus(taskId, 'stopped', { expect: ['running'], reason, ending: { kind, reason } });
    return { ...result, status: 'stopped', reason, ending: { kind, reason } };
  }
  if (task.status !== 'running' && !stoppedForShutdown) return { ...result, status: task.status, reason: task.statusReason, ending: task.ending };
  await ctx.store.setStatus(taskId, 'queued', { expect: [task.status], reason: REQUEUE_REASON });
  ctx.log('info', `task ${taskId} requeued (job ${job.id}): agent shutting down`, { jobId: job.id, taskId });
  await job.moveToWait(token);
  throw new WaitingError();
}

async function delay(job: Job, token: string | undefined, ms: number): Promise<never> {
  await job.moveToDelayed(Date.now() + Math.max(1, Math.round(ms)), token);
  throw new DelayedError();
}

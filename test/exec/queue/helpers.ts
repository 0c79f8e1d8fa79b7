import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { statusOfEnding, type Ending, type NewTask, type Task, type TaskStore } from '../../../src/core/index.ts';
import type { ExecutorEvents, TrialOutcome } from '../../../src/study/executor.ts';
import type { AgentTaskRunner } from '../../../src/exec/queue/index.ts';

/** The Redis the global setup guarantees; tests fail (never skip) without it. */
export function redisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set: the global test setup (test/setup/redis.ts) must run first.');
  return url;
}

/** A fresh key prefix and queue name, so tests never see each other's keys. */
export function isolation(): { prefix: string; queue: string } {
  return { prefix: `hpo-test-${randomUUID()}:`, queue: `test-${randomUUID()}` };
}

export function trialTask(overrides: Partial<NewTask> = {}): NewTask {
  return { name: 'trial', project: 'queue-test', type: 'training', trainer: { type: 'function' }, params: { 'hyp/lr0': 0.01 }, status: 'queued', ...overrides };
}

/**
 * A tiny in-process runner shaped like the real one (src/trainers/run-task.ts): claims the
 * task with compare-and-set, reports one scalar per epoch, honours its signal and the store's
 * stop request at epoch boundaries, records the final status. Logs `run <agent>` when it
 * starts and `done <agent>` when it completes, so tests can count runs and completions.
 */
export function testRunner(store: TaskStore, options: { agent: string; epochs?: number; epochMs?: number }): AgentTaskRunner {
  const epochs = options.epochs ?? 1;
  return async (taskId, { signal, onReport, env }) => {
    await store.setStatus(taskId, 'running', { expect: ['queued'] });
    const gpu = env?.CUDA_VISIBLE_DEVICES === undefined ? '' : ` gpu=${env.CUDA_VISIBLE_DEVICES}`;
    await store.appendLog(taskId, `run ${options.agent}${gpu}\n`);
    const stop = async (ending: Ending): Promise<TrialOutcome> => {
      const status = statusOfEnding(ending.kind);
      await store.setStatus(taskId, status, { expect: ['running'], reason: ending.reason, ending });
      return { status, ending, reason: ending.reason };
    };
    for (let epoch = 0; epoch < epochs; epoch++) {
      if (signal.aborted) return stop(signal.reason as Ending);
      if (options.epochMs) await sleep(options.epochMs);
      const scalars = { 'metrics/mAP_0.5:0.95': (epoch + 1) / epochs };
      await store.appendScalars(taskId, epoch, scalars);
      onReport?.(epoch, scalars);
      const current = await store.get(taskId);
      if (current.stopRequest) return stop({ kind: current.stopRequest.kind ?? 'stopped', reason: current.stopRequest.reason });
    }
    await store.appendLog(taskId, `done ${options.agent}\n`);
    await store.setStatus(taskId, 'completed', { expect: ['running'] });
    return { status: 'completed', ending: { kind: 'completed', reason: 'completed' } };
  };
}

/** Lines of the task's log starting with `word` (`run` or `done`). */
export async function logLines(store: TaskStore, taskId: string, word: 'run' | 'done'): Promise<string[]> {
  return (await store.readLog(taskId)).split('\n').filter((l) => l.startsWith(`${word} `));
}

/** Executor events recorded in order. */
export function recordEvents(): ExecutorEvents & { log: Array<{ type: string; taskId: string; detail?: unknown }>; finished_: Map<string, TrialOutcome[]> } {
  const log: Array<{ type: string; taskId: string; detail?: unknown }> = [];
  const finished_ = new Map<string, TrialOutcome[]>();
  return {
    log,
    finished_,
    started: (taskId) => log.push({ type: 'started', taskId }),
    reported: (taskId, step, scalars) => log.push({ type: 'reported', taskId, detail: { step, scalars } }),
    finished: (taskId, outcome) => {
      log.push({ type: 'finished', taskId, detail: outcome });
      finished_.set(taskId, [...(finished_.get(taskId) ?? []), outcome]);
    },
  };
}

/** Polls `check` until it returns a truthy value; throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T> | T, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export async function statusOf(store: TaskStore, id: string): Promise<Task['status']> {
  return (await store.get(id)).status;
}

/** Fast lock/stall clocks for tests: a dead agent's job is recovered within about 3 s. */
export const FAST_TIMING = { lockDurationMs: 2_000 } as const;

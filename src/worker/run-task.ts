import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HpoError, TrialFailedError, TrialStoppedError, TrialTimeoutError, toErrorInfo, type Ending, type TaskStore } from '../core/index.ts';
import type { TaskRunner, TrialOutcome } from '../study/executor.ts';
import { getTrainer } from './trainer-registry.ts';
import { captureEnvironment } from './environment.ts';
import type { TrainerContext } from './trainer.ts';

export interface RunnerOptions {
  /** Where trainer console lines go. Default: the task's log in the store. */
  log?: (taskId: string, line: string) => void;
  /** Where scratch folders go. Default: `<store folder>/work` for a file store, else the OS temp folder. */
  workRoot?: string;
  /** Keep a failed trial's scratch folder for a post-mortem. Default: $HPO_KEEP_WORKDIR is `1` (`--keep-workdir`). */
  keepWorkDirOnFailure?: boolean;
}

/**
 * Builds a TaskRunner: runs one queued task in this process with its trainer. Moves it to
 * running (compare-and-set, so two runners never both run it), records every report in the
 * store, turns a store stop request or `signal` into the trainer's abort signal, and records
 * the final status: completed, stopped (with the stop reason) or failed (with the error).
 */
export function createTaskRunner(store: TaskStore, options: RunnerOptions = {}): TaskRunner {
  return async (taskId, { signal, onReport }) => {
    const task = await store.get(taskId);
    await store.setStatus(taskId, 'running', { expect: ['queued'] });
    // Recorded where the code runs (an agent's host and GPU, not the controller's).
    let environment = await captureEnvironment(process.cwd());
    await store.update(taskId, { environment });
    const abort = new AbortController();
    const forward = (): void => abort.abort(signal.reason ?? 'stop requested');
    if (signal.aborted) forward();
    signal.addEventListener('abort', forward, { once: true });

    let logChain = Promise.resolve();
    const log = options.log
      ? (line: string) => options.log!(taskId, line)
      : (line: string) => {
          logChain = logChain.then(() => store.appendLog(taskId, line + '\n')).catch(() => {});
        };
    const workDir = await makeWorkDir(store, taskId, options.workRoot);
    const keepOnFailure = options.keepWorkDirOnFailure ?? process.env.HPO_KEEP_WORKDIR === '1';
    try {
      const outcome = await runTrainer();
      if (outcome.status === 'failed' && keepOnFailure) log(`work folder kept for inspection: ${workDir}`);
      else await rm(workDir, { recursive: true, force: true });
      await logChain;
      return outcome;
    } catch (error) {
      await rm(workDir, { recursive: true, force: true }).catch(() => {});
      throw error;
    }

    async function runTrainer(): Promise<TrialOutcome> {
      const ctx: TrainerContext = {
        taskId,
        trainer: task.trainer,
        signal: abort.signal,
        workDir,
        log,
        reporter: {
          async report(step, scalars) {
            const bad = Object.entries(scalars).find(([, v]) => typeof v !== 'number' || Number.isNaN(v));
            if (bad) throw new TrialFailedError(`reported ${bad[1]} for ${bad[0]} at epoch ${step}`);
            await store.appendScalars(taskId, step, scalars);
            onReport?.(step, scalars);
            // The store is the cross-process (and cross-machine) channel for stop requests.
            const current = await store.get(taskId);
            if (current.stopRequest && !abort.signal.aborted) abort.abort(current.stopRequest.reason);
          },
        },
        putArtifact: async (name, data) => {
          await store.putArtifact(taskId, name, data);
        },
        getArtifact: async (otherId, name) => store.getArtifact(otherId, name),
        recordEnvironment: async (patch) => {
          environment = { ...environment, ...patch };
          await store.update(taskId, { environment });
        },
      };

      let outcome: TrialOutcome;
      try {
        const trainer = await getTrainer(task.trainer.type);
        await trainer.train(task.params, ctx);
        outcome = abort.signal.aborted ? stopOutcome(abort.signal.reason) : { status: 'completed' };
      } catch (error) {
        const stopped = abort.signal.aborted && (error instanceof TrialStoppedError || (error as Error)?.name === 'AbortError');
        outcome = stopped ? stopOutcome(abort.signal.reason) : { status: 'failed', reason: describe(error) };
        if (!stopped) log(`trial failed: ${describe(error)}`);
        if (!stopped && !(error instanceof HpoError)) log(String((error as Error)?.stack ?? error));
        await logChain;
        signal.removeEventListener('abort', forward);
        const info = outcome.status === 'failed' ? toErrorInfo(stopped ? abort.signal.reason : error) : undefined;
        await store.setStatus(taskId, outcome.status, { reason: outcome.reason, error: info, expect: ['running'], ending: endingOf(abort.signal, outcome) });
        return outcome;
      }
      await logChain;
      signal.removeEventListener('abort', forward);
      await store.setStatus(taskId, outcome.status, { reason: outcome.reason, expect: ['running'], ending: endingOf(abort.signal, outcome) });
      return outcome;
    }
  };
}

/**
 * A private scratch folder for one trial (mkdtemp: a random name, mode 0700), so no other user
 * can read or plant files in it: under the file store's own folder, else the OS temp folder.
 */
async function makeWorkDir(store: TaskStore, taskId: string, workRoot: string | undefined): Promise<string> {
  const storeRoot = (store as { root?: unknown }).root;
  const base = workRoot ?? (typeof storeRoot === 'string' ? path.join(storeRoot, 'work') : undefined);
  if (base === undefined) return mkdtemp(path.join(os.tmpdir(), `hpo-${taskId}-`));
  await mkdir(base, { recursive: true, mode: 0o700 });
  return mkdtemp(path.join(base, `${taskId}-`));
}

/** A trial stopped by its time limit (trialTimeout, stallTimeout) records a `timeout` ending. */
function endingOf(signal: AbortSignal, outcome: TrialOutcome): Ending | undefined {
  return signal.aborted && signal.reason instanceof TrialTimeoutError ? { kind: 'timeout', reason: outcome.reason ?? signal.reason.message } : undefined;
}

/** A stop whose reason is a TrialFailedError (a timeout) ends the trial failed, any other stopped. */
function stopOutcome(reason: unknown): TrialOutcome {
  return reason instanceof TrialFailedError ? { status: 'failed', reason: reason.message } : { status: 'stopped', reason: String(reason) };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

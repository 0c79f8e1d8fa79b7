import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HpoError, TrialFailedError, TrialStoppedError, toErrorInfo, type TaskStore } from '../core/index.ts';
import type { TaskRunner, TrialOutcome } from '../study/executor.ts';
import { getTrainer } from './trainer-registry.ts';
import { captureEnvironment } from './environment.ts';
import type { TrainerContext } from './trainer.ts';
import { downloadTaskArtifact, readTaskArtifact, saveTaskArtifact, type ArtifactStores } from '../artifacts/index.ts';
import { resolveDataParam } from '../datasets/index.ts';

export interface RunnerOptions {
  /** Where trainer console lines go. Default: the task's log in the store. */
  log?: (taskId: string, line: string) => void;
  /** Scratch folders root. Default: `<tmp>/hpo-work`. */
  workRoot?: string;
  /** Where artifacts go (and are read from). Without it a trainer that saves one fails with a clear error. */
  artifacts?: ArtifactStores;
  /** Local dataset cache for `args/data: hpo://...`. Default: $HPO_CACHE or ~/.cache/hpo. */
  cacheDir?: string;
  /** Keep each task's scratch folder after it ends (default: removed; its artifacts are uploaded). */
  keepWorkDir?: boolean;
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
    const workDir = path.join(options.workRoot ?? path.join(os.tmpdir(), 'hpo-work'), taskId);
    await mkdir(workDir, { recursive: true });
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
        await saveTaskArtifact(store, needArtifacts(options, name).primary, taskId, name, data);
      },
      putArtifactFile: async (name, file) => {
        await saveTaskArtifact(store, needArtifacts(options, name).primary, taskId, name, { file });
      },
      getArtifact: async (otherId, name) => readTaskArtifact(store, needArtifacts(options, name), otherId, name),
      downloadArtifact: async (otherId, name, file) => {
        await downloadTaskArtifact(store, needArtifacts(options, name), otherId, name, file);
      },
      recordEnvironment: async (patch) => {
        environment = { ...environment, ...patch };
        await store.update(taskId, { environment });
      },
    };

    let outcome: TrialOutcome;
    try {
      const trainer = await getTrainer(task.trainer.type);
      const params = await resolveDataParam(task.params, {
        artifacts: options.artifacts?.primary,
        cacheDir: options.cacheDir,
        log,
        record: async (dataset) => void (await store.update(taskId, { dataset })),
      });
      await trainer.train(params, ctx);
      outcome = abort.signal.aborted ? stopOutcome(abort.signal.reason) : { status: 'completed' };
    } catch (error) {
      const stopped = abort.signal.aborted && (error instanceof TrialStoppedError || (error as Error)?.name === 'AbortError');
      outcome = stopped ? stopOutcome(abort.signal.reason) : { status: 'failed', reason: describe(error) };
      if (!stopped) log(`trial failed: ${describe(error)}`);
      if (!stopped && !(error instanceof HpoError)) log(String((error as Error)?.stack ?? error));
      await logChain;
      signal.removeEventListener('abort', forward);
      const info = outcome.status === 'failed' ? toErrorInfo(stopped ? abort.signal.reason : error) : undefined;
      await store.setStatus(taskId, outcome.status, { reason: outcome.reason, error: info, expect: ['running'] });
      if (!options.keepWorkDir) await rm(workDir, { recursive: true, force: true });
      return outcome;
    }
    await logChain;
    signal.removeEventListener('abort', forward);
    await store.setStatus(taskId, outcome.status, { reason: outcome.reason, expect: ['running'] });
    // Everything worth keeping was uploaded as it was made; the scratch folder goes.
    if (!options.keepWorkDir) await rm(workDir, { recursive: true, force: true });
    return outcome;
  };
}

function needArtifacts(options: RunnerOptions, name: string): ArtifactStores {
  if (options.artifacts) return options.artifacts;
  throw new HpoError('ARTIFACTS_UNCONFIGURED', `cannot store or read artifact "${name}": this runner has no artifact store. Pass one to createTaskRunner (the CLI does: --artifacts, HPO_ARTIFACTS, or the default beside the task store).`);
}

/** A stop whose reason is a TrialFailedError (a timeout) ends the trial failed, any other stopped. */
function stopOutcome(reason: unknown): TrialOutcome {
  return reason instanceof TrialFailedError ? { status: 'failed', reason: reason.message } : { status: 'stopped', reason: String(reason) };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HpoError, TrialFailedError, isStoreFaultCode, TrialStoppedError, TrialTimeoutError, statusOfEnding, toErrorInfo, type Ending, type Environment, type TaskStore } from '../core/index.ts';
import { AGENT_NAME_ENV, AGENT_SLOT_ENV } from '../study/executor.ts';
import type { TaskRunner, TrialOutcome } from '../study/executor.ts';
import { getTrainer } from './trainer-registry.ts';
import { captureEnvironment } from './environment.ts';
import type { TrainerContext } from './trainer.ts';
import { materializeCode } from './materialize-code.ts';
import { checkVersionPin } from './version-pin.ts';
import { ArtifactStores, defaultArtifactSpec, folderArtifactStore, downloadTaskArtifact, readTaskArtifact, saveTaskArtifact } from '../artifacts/index.ts';
import { resolveDataParam } from '../datasets/index.ts';

export interface RunnerOptions {
  /** Where trainer console lines go. Default: the task's log in the store. */
  log?: (taskId: string, line: string) => void;
  /** Where scratch folders go. Default: `<store folder>/work` for a file store, else the OS temp folder. */
  workRoot?: string;
  /** Keep a failed trial's scratch folder for a post-mortem. Default: $HPO_KEEP_WORKDIR is `1` (`--keep-workdir`). */
  keepWorkDirOnFailure?: boolean;
  /** Keep every trial's scratch folder, whatever its ending (to read what a trainer wrote there). */
  keepWorkDir?: boolean;
  /** Fail a task pinned to another hpo version instead of warning. Default: $HPO_STRICT_VERSION is `1` (`hpo agent --strict`). */
  strictVersion?: boolean;
  /**
   * Where artifacts are written (the primary store) and read from (any store a record names).
   * Default: `<store>/artifacts` for a file store; with another store a trainer that saves an
   * artifact fails with a clear error.
   */
  artifacts?: ArtifactStores;
  /** Local dataset cache for `args/data: hpo://...`. Default: $HPO_CACHE, else ~/.cache/hpo. */
  cacheDir?: string;
}

/**
 * Builds a TaskRunner: runs one queued task in this process with its trainer. Moves it to
 * running (compare-and-set, so two runners never both run it), records every report in the
 * store, turns a store stop request or `signal` into the trainer's abort signal, and records
 * the final status: completed, stopped (with the stop reason) or failed (with the error).
 */
export function createTaskRunner(store: TaskStore, options: RunnerOptions = {}): TaskRunner<{ env?: Record<string, string | undefined> }> {
  let besideStore: ArtifactStores | undefined;
  const artifacts = (what: string): ArtifactStores => {
    if (options.artifacts) return options.artifacts;
    const root = (store as { root?: unknown }).root;
    if (typeof root === 'string') return (besideStore ??= new ArtifactStores(folderArtifactStore(defaultArtifactSpec(root))));
    throw new HpoError(
      'ARTIFACTS_UNCONFIGURED',
      `cannot ${what}: this runner has no artifact store. Pass one to createTaskRunner (the CLI does: --artifacts, HPO_ARTIFACTS, or the default beside the task store).`,
    );
  };
  return async (taskId, { signal, onReport, env }) => {
    const task = await store.get(taskId);
    // Both started here and awaited where they are needed, so that git's and nvidia-smi's processes
    // run while the trainer's modules load (TensorFlow.js: most of a YOLOv5 trial's start-up).
    const captured = captureEnvironment(process.cwd());
    const trainerLoaded = getTrainer(task.trainer.type);
    trainerLoaded.catch(() => {}); // awaited (and its failure recorded) in runTrainer
    await store.setStatus(taskId, 'running', { expect: ['queued'] });
    // Recorded where the code runs (an agent's host and GPU, not the controller's).
    let environment = { ...(await captured), run: runIdentity(env ?? process.env) };
    await store.update(taskId, { environment });
    const abort = new AbortController();
    const forward = (): void => abort.abort(toEnding(signal.reason));
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
      if (options.keepWorkDir || (outcome.status === 'failed' && keepOnFailure)) log(`work folder kept for inspection: ${workDir}`);
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
            const request = current.stopRequest;
            if (request && !abort.signal.aborted) abort.abort({ kind: request.kind ?? 'stopped', reason: request.reason } satisfies Ending);
          },
        },
        putArtifact: async (name, data) => {
          await saveTaskArtifact(store, artifacts(`store artifact ${name}`).primary, taskId, name, data);
        },
        putArtifactFile: async (name, file) => {
          await saveTaskArtifact(store, artifacts(`store artifact ${name}`).primary, taskId, name, { file });
        },
        getArtifact: async (otherId, name) => readTaskArtifact(store, artifacts(`read artifact ${name}`), otherId, name),
        downloadArtifact: async (otherId, name, file) => {
          await downloadTaskArtifact(store, artifacts(`read artifact ${name}`), otherId, name, file);
        },
        recordEnvironment: async (patch) => {
          environment = { ...environment, ...patch };
          await store.update(taskId, { environment });
        },
      };

      let outcome: TrialOutcome;
      try {
        const pinWarning = checkVersionPin(task, options.strictVersion ?? process.env.HPO_STRICT_VERSION === '1');
        if (pinWarning) log(pinWarning);
        if (task.code) {
          // The task's own code, recreated here (an agent's cwd is not the creator's).
          ctx.codeDir = await materializeCode(task.code);
          log(`code: ${task.code.remote} at ${task.code.commit.slice(0, 12)}${task.code.diff ? ' with its uncommitted changes' : ''} in ${ctx.codeDir}`);
          await ctx.recordEnvironment({ git: { commit: task.code.commit, dirty: Boolean(task.code.diff), ...(task.code.diff ? { diff: task.code.diff } : {}), dir: ctx.codeDir } });
        }
        const trainer = await trainerLoaded;
        // `args/data: hpo://...` becomes this machine's cached copy; the task records which version.
        const params = await resolveDataParam(task.params, {
          artifacts: () => artifacts(`read dataset ${String(task.params['args/data'])}`).primary,
          cacheDir: options.cacheDir,
          log,
          record: async (dataset) => void (await store.update(taskId, { dataset })),
        });
        await trainer.train(params, ctx);
        outcome = abort.signal.aborted ? stopOutcome(abort.signal.reason) : { status: 'completed', ending: { kind: 'completed', reason: 'completed' } };
      } catch (error) {
        const stopped = abort.signal.aborted && (error instanceof TrialStoppedError || (error as Error)?.name === 'AbortError');
        const fault = stopped ? undefined : storeFault(error);
        outcome = stopped
          ? stopOutcome(abort.signal.reason)
          : fault
            ? { status: 'stopped', ending: { kind: 'interrupted', reason: fault.message }, reason: fault.message }
            : { status: 'failed', ending: { kind: 'failed', reason: describe(error) }, reason: describe(error) };
        if (!stopped) log(`trial ${fault ? 'interrupted' : 'failed'}: ${describe(error)}`);
        if (!stopped && !(error instanceof HpoError)) log(String((error as Error)?.stack ?? error));
        await logChain;
        signal.removeEventListener('abort', forward);
        const info = fault ? toErrorInfo(fault) : outcome.status === 'failed' ? toErrorInfo(stopped ? new TrialFailedError(outcome.ending.reason) : error) : undefined;
        await store.setStatus(taskId, outcome.status, { reason: outcome.reason, ending: outcome.ending, error: info, expect: ['running'] });
        return outcome;
      }
      await logChain;
      signal.removeEventListener('abort', forward);
      await store.setStatus(taskId, outcome.status, { reason: outcome.reason, ending: outcome.ending, expect: ['running'] });
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

/** Which agent, slot and GPU run this task (the agent passes them in the slot's environment). */
function runIdentity(env: Record<string, string | undefined>): NonNullable<Environment['run']> {
  const slot = env[AGENT_SLOT_ENV] === undefined ? undefined : Number(env[AGENT_SLOT_ENV]);
  return {
    pid: process.pid,
    ...(env[AGENT_NAME_ENV] ? { agent: env[AGENT_NAME_ENV] } : {}),
    ...(slot !== undefined && Number.isInteger(slot) ? { slot } : {}),
    ...(env.CUDA_VISIBLE_DEVICES !== undefined ? { gpu: env.CUDA_VISIBLE_DEVICES } : {}),
  };
}

/**
 * A store this process cannot write (disk full, permissions, a refused bucket) is the operator's
 * to fix, not the trial's: the trial ends interrupted, so it does not use up the budget and the
 * resumed study runs it again. The trainer may have wrapped it; the cause chain is searched.
 */
function storeFault(error: unknown): HpoError | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof HpoError && isStoreFaultCode(e.code)) return e;
  }
  return undefined;
}

/** A stop ends the trial with the ending it asked for: pruned, stopped, interrupted (status stopped) or timeout (failed). */
function stopOutcome(reason: unknown): TrialOutcome {
  const ending = toEnding(reason);
  return { status: statusOfEnding(ending.kind), ending, reason: ending.reason };
}

/** Abort reasons are Endings; anything else (a caller's plain string) is a plain stop. */
function toEnding(reason: unknown): Ending {
  if (reason instanceof TrialTimeoutError) return { kind: 'timeout', reason: reason.message };
  const r = reason as Partial<Ending> | undefined;
  if (r && typeof r === 'object' && typeof r.kind === 'string' && typeof r.reason === 'string') return { kind: r.kind, reason: r.reason };
  return { kind: 'stopped', reason: reason === undefined ? 'stop requested' : String(reason) };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

import type { TaskStore } from '../core/index.ts';
import type { StudyConfig } from '../config/index.ts';
import { createStrategy } from '../../strategies/index.ts';
import { createPruner } from '../../strategies/pruners/index.ts';
import { enforceKeepTopK, getController, runStudy, type ControllerConfig, type StopEnding, type StudyOutcome } from '../study/index.ts';
import type { ArtifactStores } from '../artifacts/index.ts';
import { openCliArtifacts, type GlobalOptions } from './context.ts';
import { makeExecutor } from './executors.ts';
import { claimController } from './lease.ts';
import { LiveView } from './render/live.ts';

/** Seconds a second Ctrl-C waits for killed trials to be recorded before the process exits anyway. */
const KILL_GRACE_MS = 10_000;

/**
 * Runs a controller task's study here with the executor its config names, showing progress on
 * stderr. It first takes the controller's lease (LeaseHeldError when another process runs it;
 * `force` takes over a dead owner's). Interactive: the first Ctrl-C launches nothing more and
 * stops running trials at their next epoch (they do not count); the second kills them and
 * records them interrupted. Under an agent: `signal` detaches the loop (the agent hands the
 * controller to another agent).
 */
export async function executeStudy(
  store: TaskStore,
  storeSpec: string,
  controllerId: string,
  globals: GlobalOptions,
  options: {
    signal?: AbortSignal;
    interactive?: boolean;
    force?: boolean;
    leaseLabel?: string;
    /** Called with the study config once the lease is held; return true to store the changes. */
    configure?: (config: StudyConfig) => boolean;
  } = {},
): Promise<StudyOutcome> {
  const controller = await getController(store, controllerId);
  const lease = await claimController(store, controller, { force: options.force, label: options.leaseLabel });
  const stored = controller.config as ControllerConfig;
  const config = stored.study;
  if (options.configure?.(config)) await store.update(controllerId, { config: { ...stored, study: config } });
  // Opened (and exported as HPO_ARTIFACTS) before any trial starts, so local trials write there too.
  const artifacts = await openCliArtifacts(globals, storeSpec, config.artifacts);
  const live = new LiveView(config, globals);
  const retention = keepTopK(store, artifacts, controllerId, config.budget.keepTopK, (message) => live.note(message));
  const interactive = options.interactive ?? true;
  const stop = new AbortController();
  const kill = new AbortController();
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts === 1) {
      live.note('stopping the study: running trials stop at their next epoch (Ctrl-C again to kill them)');
      stop.abort({ kind: 'stopped', reason: 'interrupted by user (Ctrl-C)' } satisfies StopEnding);
    } else if (interrupts === 2) {
      live.note('killing running trials (Ctrl-C again to quit at once)');
      kill.abort({ kind: 'interrupted', reason: 'interrupted by user (second Ctrl-C)' } satisfies StopEnding);
      setTimeout(() => process.exit(130), KILL_GRACE_MS).unref();
    } else process.exit(130);
  };
  if (interactive) process.on('SIGINT', onSigint);
  try {
    return await runStudy(controllerId, {
      store,
      strategy: createStrategy(config.strategy),
      pruner: createPruner(config.pruner),
      signal: options.signal,
      stop: stop.signal,
      kill: kill.signal,
      lease,
      onEvent: (event) => {
        live.onEvent(event);
        if (event.type === 'trial-finished') retention.check();
      },
      makeExecutor: (events, template) => makeExecutor(store, storeSpec, config, events, { warn: (message) => live.note(`warning: ${message}`), preload: template.trainer.type }),
    });
  } finally {
    if (interactive) process.off('SIGINT', onSigint);
    await retention.close();
    live.close();
  }
}

/**
 * `budget.keepTopK` while a study runs: a pass after each finished trial (one at a time; passes
 * asked for while one runs fold into one more) and a last one when the study ends. A failed pass
 * is a warning: retention must never stop a study.
 */
function keepTopK(store: TaskStore, artifacts: ArtifactStores, controllerId: string, k: number | undefined, note: (message: string) => void): { check(): void; close(): Promise<void> } {
  if (k === undefined) return { check: () => {}, close: async () => {} };
  let running: Promise<void> = Promise.resolve();
  let pending = false;
  const pass = async (): Promise<void> => {
    const deleted = await enforceKeepTopK(store, artifacts, controllerId);
    if (deleted.length) note(`keepTopK ${k}: deleted the artifacts of ${deleted.join(', ')}`);
  };
  const check = (): void => {
    if (pending) return;
    pending = true;
    running = running.then(() => {
      pending = false;
      return pass().catch((error: unknown) => note(`warning: keepTopK ${k}: ${(error as Error).message}`));
    });
  };
  return {
    check,
    close: async () => {
      check();
      await running;
    },
  };
}

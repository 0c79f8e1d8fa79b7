import type { TaskStore } from '../core/index.ts';
import { createStrategy } from '../../strategies/index.ts';
import { createPruner } from '../../strategies/pruners/index.ts';
import { runStudy, type ControllerConfig, type StudyOutcome } from '../study/index.ts';
import { openCliArtifacts, type GlobalOptions } from './context.ts';
import { makeExecutor } from './executors.ts';
import { LiveView } from './render/live.ts';

/**
 * Runs a controller task's study here with the executor its config names, showing progress on
 * stderr. Interactive: the first Ctrl-C asks the study to stop cleanly; a second one exits.
 * Under an agent: `signal` detaches the loop (the agent hands the controller to another agent).
 */
export async function executeStudy(
  store: TaskStore,
  storeSpec: string,
  controllerId: string,
  globals: GlobalOptions,
  options: { signal?: AbortSignal; interactive?: boolean } = {},
): Promise<StudyOutcome> {
  const controller = await store.get(controllerId);
  const config = (controller.config as ControllerConfig).study;
  const live = new LiveView(config, globals);
  const retention = await startRetention(store, storeSpec, controllerId, config.budget.keepTopK, config.artifacts, (m) => live.note(m));
  const interactive = options.interactive ?? true;
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    live.note('stopping the study: running trials stop at their next epoch (Ctrl-C again to quit now)');
    void store.requestStop(controllerId, 'interrupted by user (Ctrl-C)');
  };
  if (interactive) process.on('SIGINT', onSigint);
  try {
    return await runStudy(controllerId, {
      store,
      strategy: createStrategy(config.strategy),
      pruner: createPruner(config.pruner),
      signal: options.signal,
      onEvent: (event) => {
        live.onEvent(event);
        if (event.type === 'trial-finished') retention.check();
      },
      makeExecutor: (events) => makeExecutor(store, storeSpec, config, events),
    });
  } finally {
    if (interactive) process.off('SIGINT', onSigint);
    await retention.close();
    live.close();
  }
}

/**
 * `budget.keepTopK` while the study runs: after each finished trial, one pass at a time (a pass
 * asked for while one runs is folded into one more), and a last pass when the study ends.
 */
async function startRetention(
  store: TaskStore,
  storeSpec: string,
  controllerId: string,
  keepTopK: number | undefined,
  configArtifacts: string | undefined,
  note: (message: string) => void,
): Promise<{ check(): void; close(): Promise<void> }> {
  if (keepTopK === undefined) return { check: () => {}, close: async () => {} };
  const stores = await openCliArtifacts(storeSpec, configArtifacts);
  const { enforceKeepTopK } = await import('../study/index.ts');
  let running: Promise<void> = Promise.resolve();
  let pending = false;
  const pass = async (): Promise<void> => {
    const deleted = await enforceKeepTopK(store, stores, controllerId);
    if (deleted.length) note(`keepTopK ${keepTopK}: deleted the artifacts of ${deleted.join(', ')}`);
  };
  const check = (): void => {
    if (pending) return;
    pending = true;
    running = running.then(() => {
      pending = false;
      return pass().catch((error: unknown) => note(`keepTopK: ${(error as Error).message}`));
    });
  };
  return {
    check,
    close: async () => {
      check();
      await running;
      await stores.close();
    },
  };
}

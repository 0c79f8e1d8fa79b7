import type { TaskStore } from '../core/index.ts';
import { createStrategy } from '../../strategies/index.ts';
import { createPruner } from '../../strategies/pruners/index.ts';
import { runStudy, type ControllerConfig, type StudyOutcome } from '../study/index.ts';
import type { GlobalOptions } from './context.ts';
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
      onEvent: (event) => live.onEvent(event),
      makeExecutor: (events) => makeExecutor(store, storeSpec, config, events, (message) => live.note(`warning: ${message}`)),
    });
  } finally {
    if (interactive) process.off('SIGINT', onSigint);
    live.close();
  }
}

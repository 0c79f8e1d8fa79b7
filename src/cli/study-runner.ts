import type { TaskStore } from '../core/index.ts';
import type { StudyConfig } from '../config/index.ts';
import { createStrategy } from '../../strategies/index.ts';
import { createPruner } from '../../strategies/pruners/index.ts';
import { runStudy, type ControllerConfig, type StudyOutcome } from '../study/index.ts';
import { LocalExecutor } from '../exec/local/local-executor.ts';
import { CHILD_ENTRY, type GlobalOptions } from './context.ts';
import { LiveView } from './render/live.ts';

/**
 * Runs a controller task's study here with the executor its config names, showing progress on
 * stderr. The first Ctrl-C asks the study to stop cleanly; a second one exits at once.
 */
export async function executeStudy(store: TaskStore, storeSpec: string, controllerId: string, globals: GlobalOptions): Promise<StudyOutcome> {
  const controller = await store.get(controllerId);
  const config = (controller.config as ControllerConfig).study as StudyConfig;
  const live = new LiveView(config, globals);
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    live.note('stopping the study: running trials stop at their next epoch (Ctrl-C again to quit now)');
    void store.requestStop(controllerId, 'interrupted by user (Ctrl-C)');
  };
  process.on('SIGINT', onSigint);
  try {
    return await runStudy(controllerId, {
      store,
      strategy: createStrategy(config.strategy),
      pruner: createPruner(config.pruner),
      onEvent: (event) => live.onEvent(event),
      makeExecutor: (events) =>
        new LocalExecutor({
          store,
          storeSpec,
          childEntry: CHILD_ENTRY,
          concurrency: config.budget.concurrency,
          timeoutMs: config.budget.trialTimeout,
          graceMs: config.execution.graceSeconds * 1000,
          events,
        }),
    });
  } finally {
    process.off('SIGINT', onSigint);
    live.close();
  }
}

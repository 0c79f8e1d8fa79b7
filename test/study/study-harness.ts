import { FileTaskStore } from '../../src/store/index.ts';
import { resolveConfig } from '../../src/config/index.ts';
import { createStudy, runStudy, type StudyEvent } from '../../src/study/index.ts';
import { createStrategy } from '../../strategies/index.ts';
import { createPruner } from '../../strategies/pruners/index.ts';
import { LocalExecutor } from '../../src/exec/local/local-executor.ts';
import { CHILD_ENTRY } from '../../src/worker/index.ts';
import type { TrainerRef, Params, Pruner } from '../../src/core/index.ts';

/** A file store in `dir` with a function-trainer template task in it. */
export async function storeWithTemplate(dir: string, params: Params = {}, trainer: Partial<TrainerRef> = {}) {
  const store = new FileTaskStore({ root: dir });
  const template = await store.create({
    name: 'curve',
    project: 'test',
    type: 'training',
    trainer: { type: 'function', objective: 'learning-curve', epochMs: 0, ...trainer } as TrainerRef,
    params: { 'hyp/lr0': 0.01, 'hyp/momentum': 0.937, 'args/epochs': 5, ...params },
    status: 'draft',
  });
  return { store, template };
}

/** Creates and runs a study with real child processes; returns the outcome and the events seen. */
export async function runLocalStudy(dir: string, store: FileTaskStore, templateId: string, userConfig: Record<string, unknown>, overrides: { pruner?: Pruner } = {}) {
  const config = resolveConfig(userConfig);
  const { controller, warnings } = await createStudy(store, { config, templateId, storeSpec: dir });
  const events: StudyEvent[] = [];
  const outcome = await runStudy(controller.id, {
    store,
    strategy: createStrategy(config.strategy),
    pruner: overrides.pruner ?? createPruner(config.pruner),
    onEvent: (e) => events.push(e),
    tickMs: 200,
    makeExecutor: (handlers) =>
      new LocalExecutor({
        store,
        storeSpec: dir,
        childEntry: CHILD_ENTRY,
        concurrency: config.budget.concurrency,
        timeoutMs: config.budget.trialTimeout,
        graceMs: config.execution.graceSeconds * 1000,
        events: handlers,
      }),
  });
  return { outcome, events, warnings, controllerId: controller.id };
}

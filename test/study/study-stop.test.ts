import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.ts';
import { createStudy, runStudy, type StudyEvent } from '../../src/study/index.ts';
import { createStrategy } from '../../strategies/index.ts';
import { createPruner } from '../../strategies/pruners/index.ts';
import { InProcessExecutor } from '../../src/exec/in-process/in-process-executor.ts';
import { createTaskRunner } from '../../src/worker/run-task.ts';
import { tempDir } from '../helpers/temp.ts';
import { storeWithTemplate } from './study-harness.ts';

const space = { 'hyp/lr0': { type: 'float', low: 1e-4, high: 0.1, log: true } };

describe('stopping a study', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  async function start(budget: Record<string, unknown>, more: { epochs?: number; pruner?: unknown; onEvent?: (e: StudyEvent) => void } = {}) {
    const { store, template } = await storeWithTemplate(dir, { 'args/epochs': more.epochs ?? 50 }, { epochMs: 40 });
    const config = resolveConfig({ space, budget, pruner: more.pruner });
    const { controller } = await createStudy(store, { config, templateId: template.id });
    const run = runStudy(controller.id, {
      store,
      strategy: createStrategy(config.strategy),
      pruner: createPruner(config.pruner),
      tickMs: 50,
      onEvent: more.onEvent,
      makeExecutor: (events) => new InProcessExecutor(createTaskRunner(store, { log: () => {} }), events, 2),
    });
    return { store, controllerId: controller.id, run };
  }

  it('a stop request on the controller stops its running trials and ends it stopped', async () => {
    const { store, controllerId, run } = await start({ maxTrials: 6, concurrency: 2 });
    while ((await store.list({ parent: controllerId, status: 'running' })).length < 2) await new Promise((r) => setTimeout(r, 20));
    await store.requestStop(controllerId, 'enough');
    const { controller } = await run;
    expect(controller).toMatchObject({ status: 'stopped', statusReason: 'study stopped: enough' });
    const trials = await store.list({ parent: controllerId });
    expect(trials).toHaveLength(2);
    for (const t of trials) {
      expect(t).toMatchObject({ status: 'stopped', statusReason: 'study stopped: enough' });
      expect((await store.getScalars(t.id))['metrics/mAP_0.5:0.95'] ?? []).not.toHaveLength(50);
    }
  });

  it('the total time budget stops running trials and completes the study', async () => {
    const { store, controllerId, run } = await start({ maxTrials: 6, concurrency: 2, totalTime: '1s' });
    const { controller } = await run;
    expect(controller).toMatchObject({ status: 'completed', statusReason: 'study time budget used up' });
    const trials = await store.list({ parent: controllerId });
    expect(trials.length).toBeLessThan(6);
    expect(trials.every((t) => t.status === 'stopped' && t.statusReason === 'study time budget used up')).toBe(true);
  });

  it('warns once, and still runs, when a pruner meets a trainer with no per-epoch values', async () => {
    const events: StudyEvent[] = [];
    const { run } = await start({ maxTrials: 3, concurrency: 1 }, { epochs: 1, pruner: { type: 'median', nStartupTrials: 1, nWarmupEpochs: 0 }, onEvent: (e) => events.push(e) });
    const { controller, trials } = await run;
    expect(controller.status).toBe('completed');
    expect(trials.every((t) => t.state === 'complete')).toBe(true);
    const warnings = events.filter((e) => e.type === 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ message: expect.stringMatching(/^pruner "median" has nothing to act on: .* the study runs without pruning\.$/) });
  });
});

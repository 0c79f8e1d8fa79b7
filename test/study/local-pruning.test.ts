import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Pruner } from '../../src/core/index.ts';
import { buildLeaderboard, type StudyEvent } from '../../src/study/index.ts';
import { tempDir } from '../helpers/temp.ts';
import { runLocalStudy, storeWithTemplate } from './study-harness.ts';

describe('pruning through local trial processes', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  it('stops pruned trials at the next epoch boundary; they keep their metrics and show as pruned', async () => {
    // Epochs long enough that the controller's decision (report -> pruner -> stop message) lands
    // within the epoch in flight even on a loaded machine: at 100 ms, a full-suite run once saw
    // the trainer finish two epochs past the decision.
    const { store, template } = await storeWithTemplate(dir, { 'args/epochs': 10 }, { epochMs: 250 });
    // One trial at a time, best learning rates first: the later, worse trials meet a settled median.
    const { events, controllerId } = await runLocalStudy(dir, store, template.id, {
      space: { 'hyp/lr0': { type: 'categorical', choices: [0.01, 0.005, 0.0001, 0.00003, 0.00001] } },
      strategy: { type: 'grid' },
      pruner: { type: 'median', nStartupTrials: 2, nWarmupEpochs: 2 },
      budget: { maxTrials: 5, concurrency: 1 },
    });
    const prunedEvents = events.filter((e): e is Extract<StudyEvent, { type: 'trial-pruned' }> => e.type === 'trial-pruned');
    expect(prunedEvents.length).toBeGreaterThan(0);
    for (const event of prunedEvents) {
      const task = await store.get(event.trial.id);
      expect(task.status).toBe('stopped');
      expect(task.statusReason).toMatch(/^pruned at epoch \d+: /);
      const steps = (await store.getScalars(task.id))['metrics/mAP_0.5:0.95'].map((p) => p.step);
      expect(steps[0]).toBe(0);
      // The decision came after `event.step`; the trainer finishes at most the epoch in flight.
      expect(steps.at(-1)!).toBeLessThanOrEqual(event.step + 1);
      expect(steps.at(-1)!).toBeLessThan(9);
    }
    const board = await buildLeaderboard(store, controllerId);
    const prunedRows = board.rows.filter((r) => r.status === 'pruned');
    expect(prunedRows.map((r) => r.taskId).sort()).toEqual(prunedEvents.map((e) => e.trial.id).sort());
    expect(board.rows[0].status).toBe('completed');
  });

  it('kills a trial that ignores the stop request after the grace period and marks it stopped', async () => {
    const { store, template } = await storeWithTemplate(dir, { 'args/epochs': 40, 'fault/mode': 'none' }, { epochMs: 100 });
    const stubborn: Pruner = {
      name: 'stubborn-only',
      shouldPrune: (_view, trial) =>
        trial.params['fault/mode'] === 'ignore-stop' && trial.intermediate.length >= 2 ? { prune: true, reason: 'test' } : { prune: false },
    };
    const { controllerId } = await runLocalStudy(
      dir,
      store,
      template.id,
      {
        space: { 'fault/mode': { type: 'categorical', choices: ['ignore-stop'] } },
        budget: { maxTrials: 1, concurrency: 1 },
        execution: { type: 'local', graceSeconds: 1 },
      },
      { pruner: stubborn },
    );
    const [trial] = await store.list({ parent: controllerId });
    expect(trial.status).toBe('stopped');
    expect(trial.statusReason).toBe('test (killed after ignoring the stop request)');
    expect(trial.ending).toEqual({ kind: 'pruned', reason: 'test (killed after ignoring the stop request)' });
    expect(await store.readLog(trial.id)).toContain('epoch 3/40');
    expect((await store.getScalars(trial.id))['metrics/mAP_0.5:0.95'].length).toBeLessThan(40);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.ts';
import { runLocalStudy, storeWithTemplate } from './study-harness.ts';
import { buildLeaderboard } from '../../src/study/index.ts';

const lrSpace = { 'hyp/lr0': { type: 'float', low: 1e-4, high: 0.1, log: true }, 'hyp/momentum': { type: 'float', low: 0.6, high: 0.98 } };

describe('a local study with real trial processes', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  it('clones the template per trial, runs them and ranks them by the objective', async () => {
    const { store, template } = await storeWithTemplate(dir);
    const { outcome, controllerId } = await runLocalStudy(dir, store, template.id, {
      space: lrSpace,
      strategy: { type: 'random' },
      budget: { maxTrials: 4, concurrency: 2 },
      seed: 3,
    });
    expect(outcome.controller.status).toBe('completed');
    const trials = await store.list({ parent: controllerId });
    expect(trials).toHaveLength(4);
    for (const t of trials) {
      expect(t.status).toBe('completed');
      expect(t.name).toMatch(/^curve: lr0=[\d.e-]+ momentum=[\d.]+$/);
      expect(t.params['args/epochs']).toBe(5);
      expect(t.environment?.node).toBe(process.version);
      expect((await store.getScalars(t.id))['metrics/mAP_0.5:0.95']).toHaveLength(5);
      expect(await store.readLog(t.id)).toContain('epoch 5/5');
    }
    const board = await buildLeaderboard(store, controllerId);
    const values = board.rows.map((r) => r.objective!);
    expect(values).toEqual([...values].sort((a, b) => b - a));
    expect((outcome.controller.result as { best: { taskId: string } }).best.taskId).toBe(board.rows[0].taskId);
  });

  it('fails a trial that throws, exits, reports NaN or times out, and goes on', async () => {
    const { store, template } = await storeWithTemplate(dir, { 'fault/mode': 'none', 'fault/epoch': 1 });
    const { outcome, controllerId } = await runLocalStudy(dir, store, template.id, {
      space: { 'fault/mode': { type: 'categorical', choices: ['none', 'throw', 'exit', 'nan', 'hang'] } },
      strategy: { type: 'grid' },
      budget: { maxTrials: 5, concurrency: 2, trialTimeout: 4 },
      execution: { type: 'local', graceSeconds: 1 },
    });
    expect(outcome.controller.status).toBe('completed');
    const trials = await store.list({ parent: controllerId });
    const byMode = Object.fromEntries(trials.map((t) => [t.params['fault/mode'], t]));
    expect(byMode.none, JSON.stringify(trials.map((t) => [t.params['fault/mode'], t.status, t.statusReason]))).toMatchObject({ status: 'completed' });
    expect(byMode.throw).toMatchObject({ status: 'failed', statusReason: 'injected failure at epoch 1' });
    expect(byMode.exit).toMatchObject({ status: 'failed', statusReason: 'trial process exited with code 3' });
    expect(byMode.nan).toMatchObject({ status: 'failed', statusReason: expect.stringMatching(/^reported NaN for .* at epoch 1$/) });
    expect(byMode.hang).toMatchObject({ status: 'failed', statusReason: expect.stringMatching(/^timeout after 4s/) });
    expect(await store.readLog(byMode.throw.id)).toContain('trial failed: injected failure at epoch 1');
  });

  it('warns when a searched param is not in the template', async () => {
    const { store, template } = await storeWithTemplate(dir);
    const { warnings } = await runLocalStudy(dir, store, template.id, {
      space: { 'hyp/lr_0': { type: 'float', low: 0.001, high: 0.1 } },
      budget: { maxTrials: 1, concurrency: 1 },
    });
    expect(warnings).toEqual([
      expect.stringContaining('searched param "hyp/lr_0" not in template'),
    ]);
    expect(warnings[0]).toContain('its params are: hyp/lr0, hyp/momentum, args/epochs');
  });
});

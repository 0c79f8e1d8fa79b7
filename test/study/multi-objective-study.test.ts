import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.ts';
import { runLocalStudy, storeWithTemplate } from './study-harness.ts';
import { buildLeaderboard } from '../../src/study/index.ts';
import { renderLeaderboard } from '../../src/cli/render/leaderboard-table.ts';
import { configErrorOf } from '../helpers/config-error.ts';
import { configSchema } from '../../src/config/index.ts';

const space = {
  'hyp/lr0': { type: 'float', low: 1e-4, high: 0.1, log: true },
  'args/optimizer': { type: 'categorical', choices: ['SGD', 'Adam'] },
  'hyp/momentum': { type: 'float', low: 0.6, high: 0.98, when: { 'args/optimizer': 'SGD' } },
};

describe('a study with two objectives, a conditional space and the auto strategy', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  it('ranks by Pareto front, stores each trial sampler note and leaves inactive params out', async () => {
    const { store, template } = await storeWithTemplate(dir, { 'args/optimizer': 'SGD' });
    const { outcome, controllerId } = await runLocalStudy(dir, store, template.id, {
      space,
      objective: [
        { metric: 'metrics/mAP_0.5:0.95', direction: 'maximize' },
        { metric: 'train/box_loss', direction: 'minimize' },
      ],
      constraints: [{ metric: 'metrics/mAP_0.5', min: 0 }],
      budget: { maxTrials: 6, concurrency: 2 },
      seed: 5,
    });
    expect(outcome.controller.status).toBe('completed');
    const board = await buildLeaderboard(store, controllerId);
    expect(board.objectives.map((o) => o.metric)).toEqual(['metrics/mAP_0.5:0.95', 'train/box_loss']);
    const complete = board.rows.filter((r) => r.status === 'completed');
    expect(complete.length).toBe(6);
    for (const r of complete) {
      expect(r.values).toHaveLength(2);
      expect(r.feasible).toBe(true);
      expect(r.sampler).toMatchObject({ sampler: 'gp', reason: expect.stringMatching(/^conditional space, 2 of 3 dimensions numeric, \d complete trials of a budget of 6: GP on a random Chebyshev scalarization \(ParEGO, 2 objectives\), inactive params imputed$/) });
      expect('hyp/momentum' in r.params).toBe(r.params['args/optimizer'] === 'SGD');
    }
    // The front: exactly the rows no other complete row dominates, listed first.
    const dominated = (a: readonly number[], b: readonly number[]) => b[0] >= a[0] && b[1] <= a[1] && (b[0] > a[0] || b[1] < a[1]);
    const front = complete.filter((r) => !complete.some((o) => dominated(r.values!, o.values!))).map((r) => r.taskId);
    expect([...board.pareto!].sort()).toEqual([...front].sort());
    expect(board.rows.slice(0, front.length).every((r) => r.front === 0)).toBe(true);
    const result = outcome.controller.result as { pareto: Array<{ taskId: string }> };
    expect(result.pareto.map((p) => p.taskId).sort()).toEqual([...front].sort());
    const text = renderLeaderboard(board);
    expect(text).toContain('maximize metrics/mAP_0.5:0.95, minimize train/box_loss');
    expect(text).toContain(`Pareto front: ${board.pareto!.join(', ')}`);
  }, 240_000);

  it('ranks trials that break a constraint after the feasible ones and never calls one best', async () => {
    const { store, template } = await storeWithTemplate(dir);
    // The trainer reports x/lr0 = lr0 * 0.208 at the last of 5 epochs: feasible exactly for lr0 < 0.01.
    const { outcome, controllerId } = await runLocalStudy(dir, store, template.id, {
      space: { 'hyp/lr0': { type: 'float', low: 1e-4, high: 0.1, log: true } },
      constraints: [{ metric: 'x/lr0', max: 0.208 * 0.01 }],
      enqueue: [{ 'hyp/lr0': 0.09 }, { 'hyp/lr0': 0.001 }, { 'hyp/lr0': 0.05 }, { 'hyp/lr0': 0.005 }],
      budget: { maxTrials: 4, concurrency: 2 },
    });
    const board = await buildLeaderboard(store, controllerId);
    expect(board.rows.map((r) => [r.params['hyp/lr0'], r.feasible])).toEqual([
      ...[0.001, 0.005]
        .map((lr) => board.rows.find((r) => r.params['hyp/lr0'] === lr)!)
        .sort((a, b) => b.objective! - a.objective!)
        .map((r) => [r.params['hyp/lr0'], true]),
      [0.05, false],
      [0.09, false],
    ]);
    const result = outcome.controller.result as { best: { taskId: string } };
    expect(result.best.taskId).toBe(board.rows[0].taskId);
    const text = renderLeaderboard(board);
    expect(text.match(/completed \(infeasible\)/g)).toHaveLength(2);
    expect(text).toContain(`best: ${board.rows[0].taskId} `);
  }, 240_000);

  it('refuses a pruner with several objectives and bad objective lists, naming the field', () => {
    const two = [{ metric: 'a' }, { metric: 'b', direction: 'minimize' }];
    expect(configErrorOf(configSchema, { space, objective: two, pruner: { type: 'median' } }, 'config')).toContain(
      'pruning needs a single objective, got 2 objectives',
    );
    expect(configErrorOf(configSchema, { space, objective: [...two, { metric: 'c' }, { metric: 'd' }] }, 'config')).toContain('at most 3 objectives');
    expect(configErrorOf(configSchema, { space, objective: [{ metric: 'a' }, { metric: 'a' }] }, 'config')).toContain('each objective needs its own metric');
    expect(configErrorOf(configSchema, { space, constraints: [{ metric: 'x/latency_ms' }] }, 'config')).toContain('a constraint needs max, min or both');
    expect(configErrorOf(configSchema, { space, enqueue: [{ 'args/optimizer': 'Adam', 'hyp/momentum': 0.9 }] }, 'config')).toContain(
      '"hyp/momentum" is inactive for these params (it needs {"args/optimizer":"SGD"}); drop it from this entry or change its parents',
    );
  });
});

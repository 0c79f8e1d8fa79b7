import { describe, expect, it } from 'vitest';
import type { TrialView } from '../../src/core/index.ts';
import { rankTrials } from '../../src/study/ranking.ts';

/** Finding: with nothing completed, a leaderboard ranked a failed trial with a partial metric first. */
describe('leaderboard ranking', { timeout: 300_000 }, () => {
  const trial = (number: number, state: TrialView['state'], last: number, value?: number): TrialView => ({
    number,
    id: `t${number}`,
    params: {},
    state,
    value,
    intermediate: [{ step: 0, value: last }],
  });

  it('puts completed trials with a value first and a failed trial below every other kind', () => {
    const ranked = rankTrials([trial(0, 'failed', 0.99), trial(1, 'complete', 0.5, Number.NaN), trial(2, 'pruned', 0.2), trial(3, 'running', 0.3), trial(4, 'complete', 0.4, 0.4)], 'maximize');
    expect(ranked.map((t) => t.id)).toEqual(['t4', 't2', 't3', 't1', 't0']);
  });

  it('with nothing completed, a failed trial\'s partial value does not rank it first', () => {
    const ranked = rankTrials([trial(0, 'failed', 0.99), trial(1, 'pruned', 0.1)], 'maximize');
    expect(ranked[0].id).toBe('t1');
  });
});

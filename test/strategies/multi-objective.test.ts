import { describe, expect, it } from 'vitest';
import { createRng, type Params, type StudyView, type TrialView } from '../../src/core/index.ts';
import { float } from '../../src/space/index.ts';
import { optimize } from '../../src/study/optimize.ts';
import { rankStudy } from '../../src/study/ranking.ts';
import { hypervolume } from '../../strategies/math/pareto.ts';
import { feasibleFirst, scalarObservations, violation } from '../../strategies/objectives.ts';
import { contributionWeights, goodWeights, MIN_CONTRIBUTION_WEIGHT, rankByFronts } from '../../strategies/tpe/multi-objective.ts';
import type { StrategyInput } from '../../strategies/index.ts';

const space = { x0: float(0, 1), x1: float(0, 1), x2: float(0, 1) };
/** ZDT1 over 3 params (both minimized). */
function zdt1(p: Params): number[] {
  const g = 1 + 4.5 * ((p.x1 as number) + (p.x2 as number));
  const f1 = p.x0 as number;
  return [f1, g * (1 - Math.sqrt(f1 / g))];
}
const trial = (number: number, values: number[], extra: Partial<TrialView> = {}): TrialView => ({ number, id: String(number), params: { x0: number / 10 }, state: 'complete', value: values[0], values, intermediate: [], ...extra });

describe('several objectives', () => {
  it('MOTPE ranks by front, and inside a front in greedy hypervolume-subset order', () => {
    const view: StudyView = {
      space,
      direction: 'minimize',
      directions: ['minimize', 'maximize'],
      // Losses (second objective negated): (1,5) (2,4.9) (5,1) on the front; (3,5.5) dominated by (2,4.9).
      trials: [trial(0, [1, -5]), trial(1, [2, -4.9]), trial(2, [5, -1]), trial(3, [3, -5.5]), { ...trial(4, [0, 9]), state: 'failed' }],
    };
    const ranked = rankByFronts(view).map((o) => o.number);
    expect(ranked.slice(0, 3).sort()).toEqual([0, 1, 2]);
    expect(ranked[3]).toBe(3);
    // Against the front's reference (5.4, 5.4): (1,5) and (5,1) own 1.76 each alone, (2,4.9) 1.7;
    // after (1,5), (5,1) adds 1.6 and (2,4.9) only 0.34. So (1,5), (5,1), (2,4.9).
    expect(ranked.slice(0, 3)).toEqual([0, 2, 1]);
  });

  it('weights the good set by hypervolume contribution with several objectives, by recency with one', () => {
    const view: StudyView = { space, direction: 'minimize', directions: ['minimize', 'minimize'], trials: [trial(0, [1, 3]), trial(1, [2, 2]), trial(2, [3, 1]), trial(3, [3, 3])] };
    // Reference (3.2, 3.2): (1,3) owns [1,2]x[3,3.2] = 0.2, (2,2) owns [2,3]x[2,3] = 1, (3,1) 0.2; (3,3) nothing.
    const weights = contributionWeights(view, view.trials);
    expect(weights.slice(0, 3).map((w) => Number(w.toFixed(12)))).toEqual([0.2, 1, 0.2]);
    expect(weights[3]).toBe(MIN_CONTRIBUTION_WEIGHT);
    // A single good trial weighs 1; a failed trial (no values) weighs the floor.
    expect(contributionWeights(view, [view.trials[0]])).toEqual([1]);
    expect(contributionWeights({ ...view, trials: [...view.trials, { ...trial(4, [0, 0]), state: 'failed' }] }, [view.trials[0], view.trials[1], { number: 4 }])[2]).toBe(MIN_CONTRIBUTION_WEIGHT);
    // An infeasible trial weighs the floor and leaves the volumes to the feasible ones: without (2,2), (1,3) and (3,1) own equal shares.
    const constrained = { ...view, trials: view.trials.map((t) => (t.number === 1 ? { ...t, constraints: [0.5] } : t)) };
    expect(contributionWeights(constrained, constrained.trials.slice(0, 3))).toEqual([1, MIN_CONTRIBUTION_WEIGHT, 1]);
    expect(goodWeights({ ...view, directions: undefined }, view.trials)).toEqual([1, 1, 1, 1]);
  });

  it('puts feasible trials first and infeasible ones by violation (Optuna semantics)', () => {
    const view: StudyView = { space, direction: 'minimize', trials: [trial(0, [1], { constraints: [2] }), trial(1, [5]), trial(2, [0], { constraints: [0.5, -3] })] };
    expect(violation(view.trials[2])).toBe(0.5);
    expect(feasibleFirst([{ number: 2 }, { number: 0 }, { number: 1 }], view).map((o) => o.number)).toEqual([1, 2, 0]);
    // GP data: infeasible trials score worse than every feasible one.
    const scalar = scalarObservations(view, createRng(1, 's'));
    expect(scalar.find((o) => o.number === 1)!.loss).toBeLessThan(Math.min(...scalar.filter((o) => o.number !== 1).map((o) => o.loss)));
  });

  it('ranks a study: the feasible front first, then infeasible, then the rest', () => {
    const trials = [trial(0, [1, 5]), trial(1, [3, 6]), trial(2, [0, 0], { constraints: [1] }), trial(3, [5, 1]), { ...trial(4, [0, 0]), state: 'failed' as const }];
    const { ranked, places } = rankStudy(trials, ['minimize', 'minimize']);
    expect(ranked.map((t) => t.number)).toEqual([0, 3, 1, 2, 4]);
    expect(places.get(trials[0])).toEqual({ feasible: true, front: 0 });
    expect(places.get(trials[1])!.front).toBe(1);
    expect(places.get(trials[2])!.feasible).toBe(false);
  });

  it('optimize() returns the Pareto front, and TPE and GP beat random search on hypervolume', async () => {
    const hv = async (strategy: StrategyInput): Promise<number> => {
      const result = await optimize({ space, directions: ['minimize', 'minimize'], strategy, trials: 40, seed: 2, objective: zdt1 });
      for (const a of result.pareto) for (const b of result.history) expect(b.values!.every((v, i) => v <= a.values![i]) && b.values!.some((v, i) => v < a.values![i])).toBe(false);
      return hypervolume(result.history.map((t) => t.values!), [11, 11]);
    };
    const random = await hv({ type: 'random' });
    expect(await hv({ type: 'tpe' })).toBeGreaterThan(random);
    expect(await hv({ type: 'gp', sweep: 128, refineEvals: 40, fitMaxIter: 25 })).toBeGreaterThan(random);
  });

  it('auto takes MOTPE from 3 objectives and beats random search on a DTLZ2-like problem', async () => {
    const sphere = (p: Params): number[] => {
      const g = ((p.x2 as number) - 0.5) ** 2;
      const [a, b] = [((p.x0 as number) * Math.PI) / 2, ((p.x1 as number) * Math.PI) / 2];
      return [(1 + g) * Math.cos(a) * Math.cos(b), (1 + g) * Math.cos(a) * Math.sin(b), (1 + g) * Math.sin(a)];
    };
    const hv = async (strategy: StrategyInput): Promise<number> => {
      const result = await optimize({ space, directions: ['minimize', 'minimize', 'minimize'], strategy, trials: 60, seed: 3, objective: sphere });
      return hypervolume(result.history.map((t) => t.values!), [1.1, 1.1, 1.1]);
    };
    expect(await hv({ type: 'auto' })).toBeGreaterThan(await hv({ type: 'random' }));
  });

  it('refuses a pruner with several objectives, as Optuna does', async () => {
    await expect(optimize({ space, directions: ['minimize', 'minimize'], pruner: { type: 'median' }, trials: 2, objective: zdt1 })).rejects.toThrow(/pruner "median" needs a single objective, got 2/);
  });

  it('TPE learns a constraint: later trials are feasible more often than start-up ones', async () => {
    // Feasible only for x0 < 0.3; the objective pulls toward x0 = 1.
    const result = await optimize({
      space,
      direction: 'minimize',
      strategy: { type: 'tpe' },
      trials: 50,
      seed: 4,
      objective: (p, t) => {
        t.setConstraints([(p.x0 as number) - 0.3]);
        return -(p.x0 as number) + (p.x1 as number);
      },
    });
    const feasibleShare = (ts: typeof result.history): number => ts.filter((t) => violation(t) === 0).length / ts.length;
    expect(feasibleShare(result.history.slice(30))).toBeGreaterThan(feasibleShare(result.history.slice(0, 10)) + 0.2);
    expect(violation(result.best!)).toBe(0);
    expect(result.trials.findIndex((t) => violation(t) > 0)).toBeGreaterThan(result.trials.filter((t) => violation(t) === 0).length - 1);
  });
});

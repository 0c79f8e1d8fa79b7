import { describe, expect, it } from 'vitest';
import { createRng, type AskContext, type Space, type StudyView, type TrialView } from '../../src/core/index.ts';
import { categorical, float, sampleSpace } from '../../src/space/index.ts';
import { AutoStrategy, GpStrategy, TpeStrategy } from '../../strategies/index.ts';

const gpFast = new GpStrategy({ nStartupTrials: 5, sweep: 64, refineStarts: 1, refineEvals: 20, fitMaxIter: 15 });
const tpe = new TpeStrategy({ nStartupTrials: 5 });
const motpe = new TpeStrategy({ multivariate: false, gamma: 0.25, nStartupTrials: 5 });
const auto = new AutoStrategy({ gpMaxTrials: 30 }, { gp: gpFast, tpe, motpe });
const ctx = (n: number): AskContext => ({ rng: createRng(3, `trial:${n}`), seed: 3, trialNumber: n, pending: [], budget: 50 });

function history(space: Space, n: number, extra: Partial<TrialView> = {}): TrialView[] {
  const rng = createRng(9, 'history');
  return Array.from({ length: n }, (_, i) => ({ number: i, id: String(i), params: sampleSpace(space, rng), state: 'complete' as const, value: i % 7, intermediate: [], ...extra }));
}

const continuous: Space = { x: float(0, 1), y: float(-2, 2), z: float(1e-3, 1, { log: true }) };
const categoricalHeavy: Space = { a: categorical(['p', 'q', 'r']), b: categorical([1, 2, 3]), c: categorical([true, false]), x: float(0, 1) };
const mixed: Space = { a: categorical(['p', 'q', 'r']), b: categorical([1, 2, 3]), x: float(0, 1), y: float(0, 1) };
const conditional: Space = { opt: categorical(['SGD', 'Adam']), m: float(0.6, 0.98, { when: { opt: 'SGD' } }), x: float(0, 1) };

describe('auto strategy', () => {
  it('uses the GP on a small continuous space and says why, budget included', () => {
    const view: StudyView = { space: continuous, direction: 'minimize', trials: history(continuous, 8) };
    expect(auto.explain(view, ctx(8))).toEqual({ sampler: 'gp', reason: '3 of 3 dimensions numeric, 8 complete trials of a budget of 50: GP' });
    // Delegation is exact: the same inputs give the GP's own answer.
    expect(auto.ask(view, ctx(8))).toEqual(gpFast.ask(view, ctx(8)));
  });

  it('hands over to TPE past the GP cost point', () => {
    const view: StudyView = { space: continuous, direction: 'minimize', trials: history(continuous, 30) };
    expect(auto.explain(view, ctx(30))).toMatchObject({ sampler: 'tpe', reason: "30 complete trials >= 30: past the GP's cost point, TPE" });
    expect(auto.ask(view, ctx(30))).toEqual(tpe.ask(view, ctx(30)));
  });

  it('uses TPE on categorical-heavy spaces, the GP on half-categorical and mostly numeric conditional ones', () => {
    expect(auto.explain({ space: categoricalHeavy, direction: 'minimize', trials: [] }, ctx(0))).toEqual({ sampler: 'tpe', reason: '3 of 4 dimensions categorical: TPE' });
    expect(auto.explain({ space: mixed, direction: 'minimize', trials: [] }, ctx(0)).sampler).toBe('gp');
    expect(auto.explain({ space: conditional, direction: 'minimize', trials: [] }, ctx(0))).toEqual({
      sampler: 'gp',
      reason: 'conditional space, 2 of 3 dimensions numeric, 0 complete trials of a budget of 50: GP, inactive params imputed',
    });
    const conditionalCategorical: Space = { ...categoricalHeavy, m: categorical([1, 2], { when: { a: 'p' } }) };
    expect(auto.explain({ space: conditionalCategorical, direction: 'minimize', trials: [] }, ctx(0)).reason).toBe(
      'conditional space, 4 of 5 dimensions categorical: TPE, grouped by the params active together',
    );
  });

  it('names the multi-objective form of the sampler it picks', () => {
    const trials = history(continuous, 8).map((t) => ({ ...t, values: [t.value!, -t.value!] }));
    const view: StudyView = { space: continuous, direction: 'minimize', directions: ['minimize', 'maximize'], trials };
    expect(auto.explain(view, ctx(8)).reason).toContain('GP on a random Chebyshev scalarization (ParEGO, 2 objectives)');
    expect(auto.explain({ ...view, space: categoricalHeavy, trials: [] }, ctx(0)).reason).toContain('TPE ranking by Pareto front (MOTPE, 2 objectives)');
  });

  it('takes MOTPE from 3 objectives, whatever the space, and delegates to it exactly', () => {
    const trials = history(continuous, 12).map((t) => ({ ...t, values: [t.value!, (t.number * 3) % 5, -t.value!] }));
    const view: StudyView = { space: continuous, direction: 'minimize', directions: ['minimize', 'minimize', 'maximize'], trials };
    expect(auto.explain(view, ctx(12))).toEqual({ sampler: 'tpe', reason: '3 objectives >= 3: MOTPE (TPE ranking by Pareto front, univariate, good set 25 %, 20 start-up trials)' });
    expect(auto.ask(view, ctx(12))).toEqual(motpe.ask(view, ctx(12)));
    expect(auto.ask(view, ctx(12))).not.toEqual(gpFast.ask(view, ctx(12)));
    // The threshold is an option: at 4, three objectives go back to the GP (ParEGO).
    expect(new AutoStrategy({ motpeFromObjectives: 4 }, { gp: gpFast, tpe, motpe }).explain(view, ctx(12)).sampler).toBe('gp');
  });
});

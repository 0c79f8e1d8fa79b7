import { describe, expect, it } from 'vitest';
import { createRng, type Params, type Space, type StudyView, type TrialView } from '../../src/core/index.ts';
import { categorical, float } from '../../src/space/index.ts';
import { TpeStrategy } from '../../strategies/index.ts';
import { axesOf } from '../../strategies/encoding.ts';
import { ParzenEstimator } from '../../strategies/tpe/parzen.ts';
import { EXPLORE_UNTIL, WHILE_RUNNING_EXPLORE } from '../../strategies/tpe/sampler.ts';

describe("Parzen estimator: kernelScore 'height' and bandwidth 'narrower'", () => {
  const axis = axesOf({ a: float(0, 1) });

  // One observation at 0.5, univariate: its gap bandwidth is 0, clipped to 1 / min(100, n + 1) = 0.5;
  // the prior kernel is N(0.5, 1). Truncation masses: Phi(1) - Phi(-1) = 0.682689 and
  // Phi(0.5) - Phi(-0.5) = 0.382925; 1 / sqrt(2 pi) = 0.398942.
  const make = (kernelScore: 'density' | 'height') =>
    new ParzenEstimator(axis, [Float64Array.of(0.5)], [1], { priorWeight: 1, magicClip: true, multivariate: false, bandwidth: 'scott', kernelScore });

  it('height scoring drops 1 / sigma: hand-computed kernel and mixture values', () => {
    const height = make('height');
    const density = make('density');
    // Observed kernel at its centre: 0.398942 / 0.682689 = 0.584369 by height, / 0.5 = 1.168738 as a density.
    expect(Math.exp(height.kernelLogPdf(0, 0, 0.5))).toBeCloseTo(0.584369, 5);
    expect(Math.exp(density.kernelLogPdf(0, 0, 0.5))).toBeCloseTo(1.168738, 5);
    // One sigma away (x = 1): times exp(-1/2) = 0.606531.
    expect(Math.exp(height.kernelLogPdf(0, 0, 1))).toBeCloseTo(0.354441, 5);
    // The prior kernel has sigma 1, so both scores agree on it: 0.398942 / 0.382925 = 1.041828.
    expect(Math.exp(height.kernelLogPdf(0, 1, 0.5))).toBeCloseTo(1.041828, 5);
    expect(Math.exp(density.kernelLogPdf(0, 1, 0.5))).toBeCloseTo(1.041828, 5);
    // Mixture, weights 1/2 each: (0.584369 + 1.041828) / 2 and (1.168738 + 1.041828) / 2.
    expect(Math.exp(height.logPdfAxis(0, 0.5))).toBeCloseTo(0.813098, 5);
    expect(Math.exp(density.logPdfAxis(0, 0.5))).toBeCloseTo(1.105283, 5);
    expect(Math.exp(height.logPdf(Float64Array.of(0.5)))).toBeCloseTo(0.813098, 5);
  });

  it('narrower takes the smaller of the spread and range bandwidths', () => {
    // Two points, one dimension, no clip (to see the rules themselves). The range rule gives
    // 0.2 * 2^(-1/5) = 0.174110 whatever the points. The spread rule gives 1.059 * sd * 2^(-1/5):
    // at 0.4 and 0.6 (sd 0.141421) 0.130378, the narrower; at 0.1 and 0.9 (sd 0.565685) 0.521514.
    const sigmaOf = (a: number, b: number, bandwidth: 'scott' | 'optuna' | 'narrower'): number => {
      const pe = new ParzenEstimator(axis, [Float64Array.of(a), Float64Array.of(b)], [1, 1], { priorWeight: 1, magicClip: false, multivariate: true, bandwidth });
      // log k(mu) - log k(mu + h) = h^2 / (2 sigma^2) for a kernel centred at mu.
      const h = 0.05;
      return h / Math.sqrt(2 * (pe.kernelLogPdf(0, 0, a) - pe.kernelLogPdf(0, 0, a + h)));
    };
    expect(sigmaOf(0.4, 0.6, 'scott')).toBeCloseTo(0.130378, 5);
    expect(sigmaOf(0.4, 0.6, 'optuna')).toBeCloseTo(0.17411, 5);
    expect(sigmaOf(0.4, 0.6, 'narrower')).toBeCloseTo(0.130378, 5);
    expect(sigmaOf(0.1, 0.9, 'scott')).toBeCloseTo(0.521514, 5);
    expect(sigmaOf(0.1, 0.9, 'optuna')).toBeCloseTo(0.17411, 5);
    expect(sigmaOf(0.1, 0.9, 'narrower')).toBeCloseTo(0.17411, 5);
  });
});

describe("TPE whileRunning: 'explore'", () => {
  const numeric: Space = { x: float(-5, 5), y: float(-5, 5) };
  const withCategorical: Space = { ...numeric, c: categorical(['p', 'q', 'r']) };
  const conditional: Space = { opt: categorical(['SGD', 'Adam']), m: float(0.6, 0.98, { when: { opt: 'SGD' } }), x: float(-5, 5) };

  /** A study of n complete trials on a smooth bowl, params from a fixed stream. */
  function study(space: Space, n: number): StudyView {
    const rng = createRng(7, 'history');
    const trials: TrialView[] = Array.from({ length: n }, (_, i) => {
      const x = -5 + 10 * rng();
      const y = -5 + 10 * rng();
      const params: Params = space === conditional ? (rng() < 0.5 ? { opt: 'SGD', m: 0.6 + 0.38 * rng(), x } : { opt: 'Adam', x }) : { x, y };
      if (space === withCategorical) params.c = ['p', 'q', 'r'][i % 3];
      return { number: i, id: String(i), params, state: 'complete', value: x * x + (y - 1) ** 2, intermediate: [] };
    });
    return { space, direction: 'minimize', trials };
  }

  const running: Params[] = [{ x: 0.3, y: 1.2 }];
  const ask = (strategy: TpeStrategy, view: StudyView, pending: Params[]) => {
    const n = view.trials.length;
    return strategy.ask(view, { rng: createRng(12, `trial:${n}`), seed: 12, trialNumber: n, pending });
  };
  const explore = new TpeStrategy();
  const same = new TpeStrategy({ whileRunning: 'same' });
  // What explore should do: the same ask with the explore settings as plain options.
  const fixed = new TpeStrategy({ whileRunning: 'same', ...WHILE_RUNNING_EXPLORE });

  it("is the default, and with running trials under EXPLORE_UNTIL results asks as the explore settings do", () => {
    const view = study(numeric, 20);
    expect(ask(explore, view, running)).toEqual(ask(fixed, view, running));
    // The settings matter on this history: 'same' proposes something else.
    expect(ask(same, view, running)).not.toEqual(ask(explore, view, running));
  });

  it('changes nothing when no trial is running', () => {
    const view = study(numeric, 20);
    expect(ask(explore, view, [])).toEqual(ask(same, view, []));
    expect(ask(fixed, view, [])).not.toEqual(ask(explore, view, []));
  });

  it('stops at EXPLORE_UNTIL results', () => {
    const before = study(numeric, EXPLORE_UNTIL - 1);
    expect(ask(explore, before, running)).toEqual(ask(fixed, before, running));
    const after = study(numeric, EXPLORE_UNTIL);
    expect(ask(explore, after, running)).toEqual(ask(same, after, running));
    expect(ask(fixed, after, running)).not.toEqual(ask(explore, after, running));
  });

  it('does not apply to spaces with categoricals, conditional spaces or univariate TPE', () => {
    const cat = study(withCategorical, 20);
    const catRunning = [{ ...running[0], c: 'p' }];
    expect(ask(explore, cat, catRunning)).toEqual(ask(same, cat, catRunning));
    const cond = study(conditional, 20);
    const condRunning = [{ opt: 'Adam', x: 0.3 }];
    expect(ask(explore, cond, condRunning)).toEqual(ask(same, cond, condRunning));
    const view = study(numeric, 20);
    expect(ask(new TpeStrategy({ multivariate: false }), view, running)).toEqual(ask(new TpeStrategy({ multivariate: false, whileRunning: 'same' }), view, running));
    // The predicate itself, for the cases the asks above cannot tell apart.
    const axes = axesOf(numeric);
    expect(explore.exploring(axes, 20, 1)).toBe(true);
    expect(explore.exploring(axes, 20, 0)).toBe(false);
    expect(explore.exploring(axes, EXPLORE_UNTIL, 1)).toBe(false);
    expect(explore.exploring(axesOf(withCategorical), 20, 1)).toBe(false);
    expect(new TpeStrategy({ multivariate: false }).exploring(axes, 20, 1)).toBe(false);
    expect(same.exploring(axes, 20, 1)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { createRng, type Params, type StudyView, type TrialView } from '../../src/core/index.ts';
import { float } from '../../src/space/index.ts';
import { optimize } from '../../src/study/optimize.ts';
import { TpeStrategy } from '../../strategies/index.ts';
import { axesOf } from '../../strategies/encoding.ts';
import { rankedObservations } from '../../strategies/history.ts';
import { ParzenEstimator, sampleTruncNormal } from '../../strategies/tpe/parzen.ts';
import { recencyWeights } from '../../strategies/tpe/sampler.ts';

const quadratic = { x: float(-10, 10) };

describe('TPE', () => {
  for (const multivariate of [false, true]) {
    it(`concentrates near the optimum of a 1-D quadratic (multivariate=${multivariate})`, async () => {
      const result = await optimize({
        space: quadratic,
        direction: 'minimize',
        strategy: new TpeStrategy({ multivariate }),
        trials: 60,
        seed: 1,
        objective: (p) => ((p.x as number) - 3) ** 2,
      });
      expect(Math.abs((result.best!.params.x as number) - 3)).toBeLessThan(0.1);
      const late = result.history.slice(40).map((t) => Math.abs((t.params.x as number) - 3));
      late.sort((a, b) => a - b);
      // Late proposals cluster: their median distance to the optimum is under 2 (uniform sampling: ~5.5).
      expect(late[Math.floor(late.length / 2)]).toBeLessThan(2);
    });
  }

  it('beats random search on the same budget', async () => {
    const run = (strategy: TpeStrategy | { type: 'random' }, seed: number) =>
      optimize({ space: { x: float(-5, 5), y: float(-5, 5) }, direction: 'minimize', strategy, trials: 50, seed, objective: (p) => (p.x as number) ** 2 + ((p.y as number) - 1) ** 2 });
    let wins = 0;
    for (let seed = 0; seed < 5; seed++) {
      if ((await run(new TpeStrategy(), seed)).best!.value! < (await run({ type: 'random' }, seed)).best!.value!) wins++;
    }
    expect(wins).toBeGreaterThanOrEqual(4);
  });

  // Univariate mode: the bad set's kernels at the lie are narrow (gap bandwidths), so the effect is
  // local and visible. In multivariate mode the bad set's Scott bandwidth spreads the lie out.
  it('moves away from a running trial (constant liar, univariate)', () => {
    const trials: TrialView[] = Array.from({ length: 20 }, (_, i) => ({
      number: i,
      id: String(i),
      params: { x: -10 + i },
      state: 'complete',
      value: (-10 + i - 3) ** 2,
      intermediate: [],
    }));
    const view: StudyView = { space: quadratic, direction: 'minimize', trials };
    const strategy = new TpeStrategy({ nEiCandidates: 64, multivariate: false });
    const ctx = (pending: Params[]) => ({ rng: createRng(0, 'trial:20'), seed: 0, trialNumber: 20, pending });
    const free = strategy.ask(view, ctx([])).x as number;
    const liedTo = strategy.ask(view, ctx([{ x: free }, { x: free }, { x: free }])).x as number;
    expect(liedTo).not.toBe(free);
    // The lie makes the region around `free` look bad: the answer leaves it.
    expect(Math.abs(liedTo - free)).toBeGreaterThan(0.05);
  });

  it('ranks pruned trials by their last value, below every complete trial', () => {
    const t = (number: number, patch: Partial<TrialView>): TrialView => ({ number, id: String(number), params: { x: number }, state: 'complete', intermediate: [], ...patch });
    const view: StudyView = {
      space: quadratic,
      direction: 'maximize',
      trials: [
        t(0, { value: 0.2 }),
        t(1, { state: 'pruned', intermediate: [{ step: 0, value: 0.9 }, { step: 1, value: 0.95 }] }),
        t(2, { value: 0.5 }),
        t(3, { state: 'pruned', intermediate: [{ step: 0, value: 0.99 }, { step: 1, value: 0.3 }] }),
        t(4, { state: 'failed' }),
        t(5, { value: Number.NaN }),
        t(6, { state: 'pruned', intermediate: [] }),
      ],
    };
    expect(rankedObservations(view).map((o) => o.number)).toEqual([2, 0, 1, 3]);
  });

  it('weighs old observations down once there are more than 25', () => {
    expect(recencyWeights(10)).toEqual(new Array(10).fill(1));
    const w = recencyWeights(35);
    expect(w).toHaveLength(35);
    expect(w[0]).toBeCloseTo(1 / 35, 12);
    expect(w.slice(10)).toEqual(new Array(25).fill(1));
    for (let i = 1; i < 10; i++) expect(w[i]).toBeGreaterThan(w[i - 1]);
  });
});

describe('Parzen estimator', () => {
  const axes = axesOf({ a: float(0, 1), c: { type: 'categorical', choices: ['p', 'q', 'r'] } });
  const points = [Float64Array.of(0.1, 0), Float64Array.of(0.15, 0), Float64Array.of(0.97, 2)];
  for (const multivariate of [false, true]) {
    it(`numeric marginals integrate to 1 over [0, 1] (multivariate=${multivariate})`, () => {
      const pe = new ParzenEstimator(axes, points, [1, 1, 1], { priorWeight: 1, magicClip: true, multivariate, bandwidth: 'scott' });
      const steps = 20000;
      let integral = 0;
      for (let i = 0; i < steps; i++) integral += Math.exp(pe.logPdfAxis(0, (i + 0.5) / steps)) / steps;
      expect(integral).toBeCloseTo(1, 3);
      const mass = [0, 1, 2].reduce((s, c) => s + Math.exp(pe.logPdfAxis(1, c)), 0);
      expect(mass).toBeCloseTo(1, 10);
      // Observed choices are more likely than the unobserved one.
      expect(pe.logPdfAxis(1, 0)).toBeGreaterThan(pe.logPdfAxis(1, 1));
    });
  }

  it('samples truncated normals inside [0, 1] with the right mean', () => {
    const rng = createRng(4);
    let sum = 0;
    for (let i = 0; i < 4000; i++) {
      const x = sampleTruncNormal(1.5, 0.1, rng);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(1);
      sum += x;
    }
    // Truncating N(1.5, 0.1) to [0, 1] piles mass against 1: mean = 1 - 0.1 * phi(-5)/Phi(-5) ~ 0.9808.
    expect(sum / 4000).toBeCloseTo(0.9808, 2);
  });
});

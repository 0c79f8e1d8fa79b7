import { describe, expect, it } from 'vitest';
import { createRng, type Params, type StudyView, type TrialView } from '../../src/core/index.ts';
import { float } from '../../src/space/index.ts';
import { optimize } from '../../src/study/optimize.ts';
import { TpeStrategy } from '../../strategies/index.ts';
import { axesOf } from '../../strategies/encoding.ts';
import { rankedObservations } from '../../strategies/history.ts';
import { ParzenEstimator, sampleTruncNormal } from '../../strategies/tpe/parzen.ts';
import { recencyWeights } from '../../strategies/tpe/sampler.ts';
import { rankTrials, splitGoodBad, type PrunedRule } from '../../strategies/tpe/ranking.ts';

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

describe('TPE: pruned trials in the good / bad split', () => {
  /** A curve reported at steps 0..n-1; `values` are the mAP-like values per step (maximize). */
  const curve = (values: number[]) => values.map((value, step) => ({ step, value }));
  const trial = (number: number, state: TrialView['state'], values: number[], value?: number): TrialView => ({
    number,
    id: String(number),
    params: { x: number / 10 },
    state,
    value,
    intermediate: curve(values),
  });
  // Crossing curves: trial 0 starts fast and plateaus (0.69), trial 1 starts slow and ends best
  // (0.75). Trial 2 is a pruned fast starter: its last value 0.66 (step 1) is the highest of the
  // pruned ones, yet trial 0 had 0.67 at that same step. Trial 3, pruned at step 5 with 0.60,
  // beat trial 1 there. Sixteen early-pruned stragglers make the good set (3 of 20) larger than
  // the two complete trials, so one pruned trial enters it.
  const stragglers = Array.from({ length: 16 }, (_, i) => trial(4 + i, 'pruned', [0.05]));
  const view: StudyView = {
    space: quadratic,
    direction: 'maximize',
    trials: [
      trial(0, 'complete', [0.6, 0.67, 0.675, 0.68, 0.68, 0.68, 0.69], 0.69),
      trial(1, 'complete', [0.1, 0.3, 0.38, 0.43, 0.47, 0.5, 0.75], 0.75),
      trial(2, 'pruned', [0.55, 0.66]),
      trial(3, 'pruned', [0.1, 0.3, 0.4, 0.5, 0.55, 0.6]),
      ...stragglers,
    ],
  };
  const goodOf = (rule: PrunedRule, study = view) => splitGoodBad(rankTrials(study, rule), 0.15, 25, rule).good.map((o) => o.number);

  it('same-epoch: a pruned fast starter does not enter the good set over a complete trial that was better at its epoch', () => {
    const ranked = rankTrials(view, 'same-epoch').map((o) => o.number);
    expect(ranked.slice(0, 4)).toEqual([1, 0, 3, 2]);
    expect(goodOf('same-epoch')).toEqual([0, 1, 3]);
    // The raw last value lets the fast starter in: that is the failure this rule fixes.
    expect(goodOf('last-value')).toEqual([0, 1, 2]);
  });

  it('same-epoch: a pruned trial that beat every complete trial at its epoch ranks among the complete ones', () => {
    const leader = trial(3, 'pruned', [0.1, 0.3, 0.5, 0.6, 0.66, 0.7]);
    const study: StudyView = { ...view, trials: view.trials.map((t) => (t.number === 3 ? leader : t)) };
    // Rank matching gives it the best final value (0.75): it goes right after trial 1, before trial 0.
    expect(rankTrials(study, 'same-epoch').map((o) => o.number).slice(0, 3)).toEqual([1, 3, 0]);
    // epoch-rank keeps it below the complete trials, but first among the pruned ones.
    expect(rankTrials(study, 'epoch-rank').map((o) => o.number).slice(0, 4)).toEqual([1, 0, 3, 2]);
  });

  it('deepest (Optuna): pruned trials by the step they reached, then by value', () => {
    expect(rankTrials(view, 'deepest').map((o) => o.number).slice(0, 4)).toEqual([1, 0, 3, 2]);
    expect(rankTrials(view, 'last-value').map((o) => o.number).slice(0, 4)).toEqual([1, 0, 2, 3]);
  });

  it('epoch-rank: pruned trials by the share of complete trials that beat them at their epoch', () => {
    // Trial 2 lost to one of two at step 1, trial 3 to one of two at step 5: equal, deeper first.
    expect(rankTrials(view, 'epoch-rank').map((o) => o.number).slice(0, 4)).toEqual([1, 0, 3, 2]);
    const worse = trial(3, 'pruned', [0.1, 0.3, 0.4, 0.45, 0.46, 0.48]);
    const study: StudyView = { ...view, trials: view.trials.map((t) => (t.number === 3 ? worse : t)) };
    expect(rankTrials(study, 'epoch-rank').map((o) => o.number).slice(0, 4)).toEqual([1, 0, 2, 3]);
  });

  it('bad-only: pruned trials stay out of the good set unless no trial completed', () => {
    expect(goodOf('bad-only')).toEqual([0, 1]);
    const allPruned: StudyView = { ...view, trials: view.trials.filter((t) => t.state === 'pruned') };
    // No complete trial: the good set falls back to the deepest pruned ones (3 of 18).
    expect(goodOf('bad-only', allPruned)).toEqual([2, 3, 4]);
  });

  it('ranks a pruned trial with no comparable complete trial last, and ignores non-finite values', () => {
    const study: StudyView = {
      ...view,
      trials: [...view.trials, trial(30, 'pruned', [0.1, 0.3, 0.5, 0.6, 0.66, 0.7, 0.74, 0.9]), trial(31, 'pruned', [0.99, Number.NaN]), trial(32, 'failed', [0.99])],
    };
    for (const rule of ['same-epoch', 'epoch-rank'] as const) {
      const ranked = rankTrials(study, rule).map((o) => o.number);
      expect(ranked.at(-1)).toBe(30);
      expect(ranked).not.toContain(31);
      expect(ranked).not.toContain(32);
      expect(ranked).toHaveLength(21);
    }
  });

  for (const prunedTrials of ['last-value', 'deepest', 'same-epoch', 'epoch-rank', 'bad-only'] as const) {
    it(`asks in bounds with mostly pruned trials (${prunedTrials})`, () => {
      const strategy = new TpeStrategy({ prunedTrials, nStartupTrials: 5 });
      const params = strategy.ask(view, { rng: createRng(3, 'trial:20'), seed: 3, trialNumber: 20, pending: [] });
      expect(params.x).toBeGreaterThanOrEqual(-10);
      expect(params.x).toBeLessThanOrEqual(10);
      expect(strategy.ask(view, { rng: createRng(3, 'trial:20'), seed: 3, trialNumber: 20, pending: [] })).toEqual(params);
    });
  }
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

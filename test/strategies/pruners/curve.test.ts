import { describe, expect, it } from 'vitest';
import { configErrorOf } from '../../helpers/config-error.ts';
import { parseOrThrow } from '../../../src/core/parse-input.ts';
import type { Params } from '../../../src/core/index.ts';
import { optimize, TrialPruned, type TrialHandle } from '../../../src/study/optimize.ts';
import { float } from '../../../src/space/index.ts';
import { CurvePruner, MedianPruner, createPruner, extrapolate, prunerSchema } from '../../../strategies/pruners/index.ts';
import { reasonOf, study, trial } from './study.ts';

/** A saturating curve: `plateau * (1 - exp(-speed * (e + 1)))` for epochs 0..n-1. */
const curve = (plateau: number, speed: number, n = 30) => Array.from({ length: n }, (_, e) => plateau * (1 - Math.exp(-speed * (e + 1))));
const xs = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('extrapolate (curve-fit.ts)', () => {
  it('predicts the final value of saturating curves from their first epochs', () => {
    const exp = curve(0.7, 0.15);
    expect(extrapolate(xs(10), exp.slice(0, 10), 30)).toBeCloseTo(exp[29], 2);
    const pow = xs(30).map((x) => 0.8 - 0.6 * x ** -0.7);
    expect(extrapolate(xs(8), pow.slice(0, 8), 30)).toBeCloseTo(pow[29], 2);
    // A far better guess than the last value seen, which is what comparing at the same epoch uses.
    expect(Math.abs(extrapolate(xs(8), pow.slice(0, 8), 30) - pow[29])).toBeLessThan((pow[29] - pow[7]) / 10);
  });

  it('never extrapolates a curve as getting worse, and needs 3 points to fit', () => {
    const falling = [0.5, 0.45, 0.4, 0.35, 0.3];
    expect(extrapolate(xs(5), falling, 30)).toBeGreaterThanOrEqual(0.3);
    expect(extrapolate(xs(5), falling, 30)).toBeLessThanOrEqual(0.5);
    expect(extrapolate(xs(2), [0.1, 0.2], 30)).toBe(0.2);
  });
});

describe('CurvePruner', () => {
  const pruner = new CurvePruner({ minEpochs: 4, keepTop: 0 });
  // Six finished trials: speeds from fast to slow, plateaus from low to high (curves that cross).
  const done = [
    [0.45, 0.6],
    [0.5, 0.4],
    [0.55, 0.25],
    [0.6, 0.15],
    [0.62, 0.1],
    [0.58, 0.08],
  ].map(([plateau, speed], i) => trial(i, curve(plateau, speed)));
  const best = Math.max(...done.map((t) => t.value!));

  it('keeps a slow starter heading high and prunes a fast starter heading to a low plateau', () => {
    const fast = trial(6, curve(0.4, 0.8, 6), 'running'); // 0.398 at epoch 5, ends 0.4
    const slow = trial(7, curve(0.7, 0.08, 6), 'running'); // 0.266 at epoch 5, ends 0.64
    expect(fast.intermediate[5].value).toBeGreaterThan(slow.intermediate[5].value);
    expect(pruner.shouldPrune(study([...done, fast, slow]), slow)).toEqual({ prune: false });
    expect(reasonOf(pruner.shouldPrune(study([...done, fast, slow]), fast))).toMatch(
      /^pruned at epoch 5: extrapolated to 0\.4\d* at epoch 29, 0\.4\d* at 100% confidence \(6 completed trials\), below the best completed value 0\.593$/,
    );
    // Comparing raw values at the same epoch gets it backwards: the median rule cuts the slow starter.
    const median = new MedianPruner({ nStartupTrials: 5, nWarmupSteps: 4 });
    expect(median.shouldPrune(study([...done, fast, slow]), slow).prune).toBe(true);
    expect(median.shouldPrune(study([...done, fast, slow]), fast).prune).toBe(false);
    expect(best).toBeCloseTo(0.6 * (1 - Math.exp(-4.5)), 10);
  });

  it('never prunes before minEpochs, nor before nStartupTrials trials completed', () => {
    const hopeless = (n: number) => trial(6, Array.from({ length: n }, () => 0.01), 'running');
    expect(pruner.shouldPrune(study([...done, hopeless(3)]), hopeless(3)).prune).toBe(false); // 3 epochs < 4
    expect(pruner.shouldPrune(study([...done, hopeless(4)]), hopeless(4)).prune).toBe(true);
    expect(pruner.shouldPrune(study([...done.slice(0, 4), hopeless(8)]), hopeless(8)).prune).toBe(false); // 4 < 5 completed
    // Running and pruned trials neither calibrate nor set the bar.
    const others = done.map((t) => ({ ...t, state: 'pruned' as const }));
    expect(pruner.shouldPrune(study([...others, hopeless(8)]), hopeless(8)).prune).toBe(false);
  });

  it('does not prune a trial that reached the last epoch, and prunes a non-finite report', () => {
    const full = trial(6, curve(0.1, 0.5), 'running');
    expect(pruner.shouldPrune(study([...done, full]), full).prune).toBe(false);
    const nan = trial(6, [0.1, 0.2, 0.3, Number.NaN], 'running');
    expect(reasonOf(pruner.shouldPrune(study([...done, nan]), nan))).toBe('pruned at epoch 3: reported NaN');
  });

  it('keepTop compares with the k-th best completed value', () => {
    const middling = trial(6, curve(0.53, 0.5, 6), 'running'); // ends 0.53: below the best 0.593 and the 3rd best 0.55
    expect(pruner.shouldPrune(study([...done, middling]), middling).prune).toBe(true);
    // 6 finished trials, keepTop 0.5: the 3rd best completed value (0.55) is the bar.
    const lenient = new CurvePruner({ minEpochs: 4, keepTop: 0.5 });
    const near = trial(6, curve(0.56, 0.5, 6), 'running');
    expect(lenient.shouldPrune(study([...done, near]), near).prune).toBe(false);
    expect(reasonOf(lenient.shouldPrune(study([...done, middling]), middling))).toContain('below the 3rd best completed value (top 50% of 6 finished trials) 0.55');
  });

  it('respects minimize: losses that fall slowly but far are kept, fast plateaus pruned', () => {
    const loss = (values: number[]) => values.map((v) => 1 - v);
    const lossDone = done.map((t) => trial(t.number, loss(t.intermediate.map((p) => p.value))));
    const fast = trial(6, loss(curve(0.4, 0.8, 6)), 'running');
    const slow = trial(7, loss(curve(0.7, 0.08, 6)), 'running');
    const view = study([...lossDone, fast, slow], 'minimize');
    expect(pruner.shouldPrune(view, slow).prune).toBe(false);
    expect(reasonOf(pruner.shouldPrune(view, fast))).toMatch(/above the best completed value 0\.407$/);
  });

  it('uses maxEpochs as the horizon when given', () => {
    // With a 6-epoch horizon the fast starter is already where it ends: still below the best.
    const short = new CurvePruner({ minEpochs: 4, maxEpochs: 8, keepTop: 0 });
    const slow = trial(7, curve(0.7, 0.08, 6), 'running');
    expect(reasonOf(short.shouldPrune(study([...done, slow]), slow))).toContain('at epoch 7');
  });

  it('rejects bad options in the constructor, naming the option and the value', () => {
    expect(() => new CurvePruner({ minEpochs: 0 })).toThrow('curve pruner: minEpochs must be an integer >= 1, got 0');
    expect(() => new CurvePruner({ minEpochs: 6, maxEpochs: 5 })).toThrow('curve pruner: maxEpochs must be an integer >= minEpochs (6), got 5');
    expect(() => new CurvePruner({ confidence: 1.5 })).toThrow('curve pruner: confidence must be between 0 and 1, got 1.5');
    expect(() => new CurvePruner({ keepTop: -0.1 })).toThrow('curve pruner: keepTop must be between 0 and 1, got -0.1');
  });
});

describe('curve pruner config', () => {
  const parse = (input: unknown) => parseOrThrow(prunerSchema, input, 'pruner');
  const message = (input: unknown): string => configErrorOf(prunerSchema, input, 'pruner');

  it('fills the measured defaults and builds the pruner', () => {
    expect(parse({ type: 'curve' })).toEqual({ type: 'curve', minEpochs: 4, nStartupTrials: 5, confidence: 1, keepTop: 0.2 });
    const p = createPruner(parse({ type: 'curve', maxEpochs: 30, confidence: 0.9 })) as CurvePruner;
    expect(p).toBeInstanceOf(CurvePruner);
    expect([p.maxEpochs, p.confidence, p.keepTop, p.minEpochs]).toEqual([30, 0.9, 0.2, 4]);
  });

  it('names the field and the received value', () => {
    expect(message({ type: 'curve', confidence: 2 })).toBe(
      'Invalid pruner:\n  ✖ confidence must be between 0 and 1 (the quantile of past prediction errors added before comparing; 1 adds the largest) (received 2)\n    → at confidence',
    );
    expect(message({ type: 'curve', keepTop: 20 })).toContain('keepTop must be between 0 and 1');
    expect(message({ type: 'curve', keepTop: 20 })).toContain('(received 20)\n    → at keepTop');
    expect(message({ type: 'curve', minEpochs: 10, maxEpochs: 5 })).toBe(
      'Invalid pruner:\n  ✖ minEpochs must be <= maxEpochs (5): lower minEpochs or raise maxEpochs (received 10)\n    → at minEpochs',
    );
    expect(message({ type: 'curve', minEpochs: 0 })).toContain('(received 0)\n    → at minEpochs');
    expect(message({ type: 'curve', confidance: 0.9 })).toBe('Invalid pruner:\n  ✖ unknown key "confidance": check the spelling');
  });
});

describe('optimize() with the curve pruner', () => {
  /** Crossing curves: a larger x learns faster but plateaus lower; the best final is near x = 0.25. */
  const plateau = (x: number) => 0.8 - 0.6 * (x - 0.25) ** 2 - 0.3 * Math.max(0, x - 0.25);
  const speed = (x: number) => 0.05 + 0.6 * x;
  const final = (x: number) => plateau(x) * (1 - Math.exp(-speed(x) * 20));
  async function objective(params: Params, trial: TrialHandle): Promise<number> {
    const x = params.x as number;
    let v = 0;
    for (let e = 0; e < 20; e++) {
      v = plateau(x) * (1 - Math.exp(-speed(x) * (e + 1)));
      trial.report(e, v);
      if (e < 19 && trial.shouldPrune()) throw new TrialPruned();
    }
    return v;
  }

  it('prunes most trials early and never the one with the best final value', async () => {
    const result = await optimize({ space: { x: float(0, 1) }, direction: 'maximize', objective, pruner: { type: 'curve', keepTop: 0 }, trials: 40, seed: 5 });
    const pruned = result.history.filter((t) => t.state === 'pruned');
    expect(pruned.length).toBeGreaterThan(15);
    expect(pruned.every((t) => t.intermediate.length >= 4 && t.intermediate.length < 20)).toBe(true);
    const bestFinal = Math.max(...result.history.map((t) => final(t.params.x as number)));
    expect(result.best?.value).toBeCloseTo(bestFinal, 10);
    // Every pruned trial would have ended below the best completed trial.
    for (const t of pruned) expect(final(t.params.x as number)).toBeLessThan(result.best!.value!);
  });
});

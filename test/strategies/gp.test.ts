import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/index.ts';
import { categorical, float } from '../../src/space/index.ts';
import { optimize } from '../../src/study/optimize.ts';
import { GpStrategy } from '../../strategies/index.ts';
import { logExpectedImprovement } from '../../strategies/gp/acquisition.ts';
import { defaultPrior, fitHyper, negLogPosterior } from '../../strategies/gp/fit.ts';
import type { FeatureGroups, Hyper } from '../../strategies/gp/kernel.ts';
import { minimizeLbfgs } from '../../strategies/gp/lbfgs.ts';
import { cholInverse, cholesky, robustCholesky } from '../../strategies/gp/linalg.ts';
import { GpModel } from '../../strategies/gp/model.ts';
import { logWarp, standardize } from '../../strategies/gp/sampler.ts';

const groups2: FeatureGroups = { features: 2, groups: 2, groupOf: Int32Array.of(0, 1) };
const hyper: Hyper = { lengthscales: Float64Array.of(0.3, 0.5), signal: 1.3, noise: 1e-8 };

function randomPoints(n: number, seed: number): Float64Array[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => Float64Array.of(rng(), rng()));
}

describe('GP model', () => {
  it('interpolates its training points with near-zero variance', () => {
    const xs = randomPoints(15, 1);
    const y = Float64Array.from(xs, (x) => Math.sin(6 * x[0]) + x[1] ** 2);
    const model = new GpModel(xs, y, hyper, groups2);
    xs.forEach((x, i) => {
      const { mean, variance } = model.predict(x);
      expect(mean).toBeCloseTo(y[i], 4);
      expect(variance).toBeLessThan(1e-5);
    });
    // Far from the data the posterior falls back to the prior.
    const far = model.predict(Float64Array.of(40, 40));
    expect(far.mean).toBeCloseTo(0, 6);
    expect(far.variance).toBeCloseTo(hyper.signal, 6);
  });

  it('survives duplicate points (Cholesky retries with jitter)', () => {
    const base = randomPoints(6, 2);
    const xs = [...base, ...base, base[0]];
    const y = Float64Array.from(xs, (x) => x[0] - x[1]);
    const k = new Float64Array(xs.length * xs.length);
    expect(() => new GpModel(xs, y, { ...hyper, noise: 0 }, groups2)).not.toThrow();
    const { mean, variance } = new GpModel(xs, y, { ...hyper, noise: 0 }, groups2).predict(base[0]);
    expect(Number.isFinite(mean) && Number.isFinite(variance)).toBe(true);
    expect(mean).toBeCloseTo(base[0][0] - base[0][1], 3);
    // A singular matrix: plain Cholesky refuses, the robust one adds jitter.
    k.fill(1);
    expect(cholesky(k, xs.length)).toBeUndefined();
    expect(robustCholesky(k, xs.length).jitter).toBeGreaterThan(0);
  });

  it('inverts SPD matrices through the Cholesky factor', () => {
    const a = Float64Array.of(4, 2, 0.6, 2, 5, 1, 0.6, 1, 3);
    const inv = cholInverse(cholesky(a, 3)!, 3);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += a[i * 3 + k] * inv[k * 3 + j];
        expect(s).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    }
  });
});

describe('GP hyperparameter fit', () => {
  it('has an analytic gradient that matches finite differences', () => {
    const xs = randomPoints(12, 3);
    const y = standardize(xs.map((x) => Math.cos(5 * x[0]) * x[1]));
    const prior = defaultPrior(2, 1e-6);
    const diff2 = [new Float64Array(66), new Float64Array(66)];
    let p = 0;
    for (let i = 0; i < 12; i++) for (let j = 0; j < i; j++, p++) for (let f = 0; f < 2; f++) diff2[f][p] = (xs[i][f] - xs[j][f]) ** 2;
    const theta = Float64Array.of(-1.1, -0.4, 0.2, -5);
    const { g } = negLogPosterior(theta, diff2, y, prior);
    for (let i = 0; i < theta.length; i++) {
      const h = 1e-5;
      const up = Float64Array.from(theta);
      const down = Float64Array.from(theta);
      up[i] += h;
      down[i] -= h;
      const numeric = (negLogPosterior(up, diff2, y, prior).f - negLogPosterior(down, diff2, y, prior).f) / (2 * h);
      expect(g[i]).toBeCloseTo(numeric, 4);
    }
  });

  it('learns a short length scale for the wiggly axis and a long one for the flat axis', () => {
    const xs = randomPoints(40, 4);
    const y = standardize(xs.map((x) => Math.sin(12 * x[0]) + 0.05 * x[1]));
    const fitted = fitHyper(xs, y, groups2, defaultPrior(2, 1e-6), createRng(1), { restarts: 2, maxIter: 80 });
    expect(fitted.lengthscales[0]).toBeLessThan(0.4);
    expect(fitted.lengthscales[1]).toBeGreaterThan(3 * fitted.lengthscales[0]);
  });

  it('L-BFGS finds the minimum of the Rosenbrock function', () => {
    const { x } = minimizeLbfgs(
      (v) => ({
        f: 100 * (v[1] - v[0] ** 2) ** 2 + (1 - v[0]) ** 2,
        g: Float64Array.of(-400 * v[0] * (v[1] - v[0] ** 2) - 2 * (1 - v[0]), 200 * (v[1] - v[0] ** 2)),
      }),
      Float64Array.of(-1.2, 1),
      { maxIter: 200 },
    );
    expect(x[0]).toBeCloseTo(1, 3);
    expect(x[1]).toBeCloseTo(1, 3);
  });
});

describe('log expected improvement', () => {
  it('matches log(EI) where EI is representable', () => {
    for (const [mean, variance, best] of [
      [0, 1, 0],
      [1, 0.25, 0.2],
      [-2, 4, 1],
      [3, 1, 0],
    ]) {
      const sd = Math.sqrt(variance);
      const z = (best - mean) / sd;
      const pdf = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
      const cdf = 0.5 * (1 + erf(z / Math.SQRT2));
      expect(logExpectedImprovement(mean, variance, best)).toBeCloseTo(Math.log(sd * (pdf + z * cdf)), 5);
    }
  });

  it('stays finite and ordered where EI underflows to 0', () => {
    const z = -45;
    const ei = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
    expect(ei).toBe(0);
    const far = logExpectedImprovement(45, 1, 0);
    const farther = logExpectedImprovement(60, 1, 0);
    expect(Number.isFinite(far) && Number.isFinite(farther)).toBe(true);
    // Asymptotically log EI ~ -z^2/2 - log(sqrt(2 pi)) - 2 log|z|.
    expect(far).toBeCloseTo(-0.5 * 45 * 45 - 0.5 * Math.log(2 * Math.PI) - 2 * Math.log(45), 2);
    expect(farther).toBeLessThan(far);
  });
});

describe('GP strategy', () => {
  it('finds the optimum of a smooth 2-D function in few trials', async () => {
    const result = await optimize({
      space: { x: float(-5, 5), y: float(-5, 5) },
      direction: 'minimize',
      strategy: new GpStrategy({ nStartupTrials: 6 }),
      trials: 25,
      seed: 3,
      objective: (p) => ((p.x as number) - 1) ** 2 + ((p.y as number) + 2) ** 2,
    });
    expect(result.best!.value!).toBeLessThan(0.05);
  });

  it('learns on a categorical-only space', async () => {
    const space = { a: categorical(['p', 'q', 'r', 's']), b: categorical([1, 2, 3]) };
    const result = await optimize({
      space,
      direction: 'maximize',
      strategy: new GpStrategy({ nStartupTrials: 3, sweep: 64 }),
      trials: 12,
      seed: 0,
      objective: (p) => (p.a === 'r' ? 1 : 0) + (p.b === 2 ? 1 : 0),
    });
    expect(result.best!.value).toBe(2);
  });

  it('warps losses monotonically and standardizes them', () => {
    const warped = logWarp([0.5, 10, 3, 1e6]);
    expect([...warped].sort((a, b) => a - b)).toEqual([warped[0], warped[2], warped[1], warped[3]]);
    expect(warped[0]).toBe(0);
    const z = standardize([2, 2, 2]);
    expect([...z]).toEqual([0, 0, 0]);
  });
});

function erf(x: number): number {
  // Abramowitz & Stegun 7.1.26 is too coarse for 5 digits; integrate with Simpson's rule instead.
  const n = 2000;
  const h = x / n;
  let s = 1 + Math.exp(-x * x);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * Math.exp(-((i * h) ** 2));
  return ((2 / Math.sqrt(Math.PI)) * s * h) / 3;
}

import { cholSolve, robustCholesky, solveLower } from './linalg.ts';
import { gram, inverseSquaredScales, matern52, scaledDist2, type FeatureGroups, type Hyper } from './kernel.ts';

/**
 * GP posterior with fixed hyperparameters and a zero prior mean on standardized targets
 * (Rasmussen & Williams 2006, Alg. 2.1): one Cholesky of K + noise I, then O(n) means and
 * O(n^2) variances per query point.
 */
export class GpModel {
  readonly n: number;
  private readonly l: Float64Array;
  private readonly alpha: Float64Array;
  private readonly invL2: Float64Array;

  constructor(
    private readonly xs: readonly Float64Array[],
    y: Float64Array,
    private readonly hyper: Hyper,
    groups: FeatureGroups,
  ) {
    this.n = xs.length;
    this.l = robustCholesky(gram(xs, hyper, groups), this.n).l;
    this.alpha = cholSolve(this.l, this.n, y);
    this.invL2 = inverseSquaredScales(hyper, groups);
  }

  /** Posterior mean and variance of the latent function (noise excluded) at feature vector `x`. */
  predict(x: Float64Array): { mean: number; variance: number } {
    const n = this.n;
    const kStar = new Float64Array(n);
    let mean = 0;
    for (let i = 0; i < n; i++) {
      kStar[i] = this.hyper.signal * matern52(Math.sqrt(scaledDist2(x, this.xs[i], this.invL2)));
      mean += kStar[i] * this.alpha[i];
    }
    const v = solveLower(this.l, n, kStar);
    let vv = 0;
    for (let i = 0; i < n; i++) vv += v[i] * v[i];
    return { mean, variance: Math.max(this.hyper.signal - vv, 1e-12 * this.hyper.signal) };
  }
}

import type { Rng } from '../../src/core/index.ts';
import { logNormCdf, normCdf, normQuantile } from '../math/normal.ts';
import type { Axis } from '../encoding.ts';

/**
 * Parzen estimator of TPE (Bergstra et al., "Algorithms for hyper-parameter optimization",
 * NeurIPS 2011, §4): a weighted mixture with one kernel per observation plus one prior kernel.
 * Numeric axes use normals truncated to the unit interval; categorical axes use a smoothed
 * one-hot distribution per kernel. Bandwidths follow Optuna's published choices: in univariate
 * mode the larger gap to the sorted neighbours, in multivariate mode Scott's rule
 * 0.2 * n^(-1/(d+4)); both clipped to [1 / min(100, n + 1), 1] ("magic clip").
 */

/** One encoded point: unit values of the numeric axes and choice indices of categorical axes, in axis order. */
export type EncodedPoint = Float64Array;

export interface ParzenOptions {
  priorWeight: number;
  magicClip: boolean;
  multivariate: boolean;
  /**
   * Multivariate bandwidths: `optuna` scales Scott's rule by the range, `scott` by the data's
   * spread, `narrower` takes the smaller of the two per axis. With few, scattered good points the
   * spread rule spans much of the space and the range rule is the narrower; once the good set
   * concentrates the spread rule is. So `narrower` keeps kernels local at both stages.
   */
  bandwidth: 'optuna' | 'scott' | 'narrower';
  /**
   * How numeric kernels score candidates: `density` is the truncated normal's density (default);
   * `height` drops each kernel's 1 / sigma factor, so kernels compete by their height-normalised
   * value exp(-z^2 / 2) / mass, as Optuna 3.1's truncated-normal scoring effectively does. A
   * narrow kernel then no longer outweighs a wide one (univariate gap bandwidths, or the prior
   * kernel against the observations') just by being narrow. Sampling is unchanged. Defaults to
   * `density`.
   */
  kernelScore?: 'density' | 'height';
}

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

export class ParzenEstimator {
  /** Normalized log mixture weights, one per kernel (the last kernel is the prior). */
  readonly logWeights: Float64Array;
  private readonly weights: Float64Array;
  /** Per axis: kernel centres and bandwidths (numeric), or flattened kernel x choice log-probabilities. */
  private readonly mus: (Float64Array | undefined)[];
  private readonly sigmas: (Float64Array | undefined)[];
  /** Per numeric axis and kernel: -log(sigma) (not with `kernelScore: 'height'`) - log(truncation mass) - log(sqrt(2 pi)). */
  private readonly logNorms: (Float64Array | undefined)[];
  private readonly logProbs: (Float64Array | undefined)[];

  /**
   * @param points observations (encoded), oldest first
   * @param obsWeights their weights (recency), same order
   */
  constructor(
    private readonly axes: readonly Axis[],
    points: readonly EncodedPoint[],
    obsWeights: readonly number[],
    options: ParzenOptions,
  ) {
    const n = points.length;
    const k = n + 1;
    this.weights = new Float64Array(k);
    let total = 0;
    for (let i = 0; i < n; i++) total += this.weights[i] = obsWeights[i];
    total += this.weights[n] = options.priorWeight;
    this.logWeights = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      this.weights[i] /= total;
      this.logWeights[i] = Math.log(this.weights[i]);
    }
    const numericCount = axes.filter((a) => a.kind === 'numeric').length;
    const minSigma = options.magicClip ? 1 / Math.min(100, n + 1) : 1e-12;
    this.mus = [];
    this.sigmas = [];
    this.logNorms = [];
    this.logProbs = [];
    axes.forEach((axis, d) => {
      if (axis.kind === 'categorical') {
        this.mus.push(undefined);
        this.sigmas.push(undefined);
        this.logNorms.push(undefined);
        this.logProbs.push(categoricalTable(axis.size, points, d, options.priorWeight));
        return;
      }
      const mu = new Float64Array(k);
      for (let i = 0; i < n; i++) mu[i] = points[i][d];
      mu[n] = 0.5;
      const sigma = !options.multivariate ? gapSigmas(mu, n) : options.bandwidth === 'optuna' ? scottSigmas(k, n, numericCount) : spreadSigmas(mu, n, numericCount);
      if (options.multivariate && options.bandwidth === 'narrower') {
        const ranged = scottSigmas(k, n, numericCount);
        for (let i = 0; i < n; i++) sigma[i] = Math.min(sigma[i], ranged[i]);
      }
      for (let i = 0; i < n; i++) sigma[i] = Math.min(1, Math.max(minSigma, sigma[i]));
      sigma[n] = 1;
      const byHeight = options.kernelScore === 'height';
      const logNorm = new Float64Array(k);
      for (let i = 0; i < k; i++) logNorm[i] = (byHeight ? 0 : -Math.log(sigma[i])) - logTruncMass(mu[i], sigma[i]) - LOG_SQRT_2PI;
      this.mus.push(mu);
      this.sigmas.push(sigma);
      this.logNorms.push(logNorm);
      this.logProbs.push(undefined);
    });
  }

  get kernels(): number {
    return this.weights.length;
  }

  /** Draws a kernel index by weight. */
  pickKernel(rng: Rng): number {
    let u = rng();
    for (let i = 0; i < this.weights.length; i++) {
      u -= this.weights[i];
      if (u < 0) return i;
    }
    return this.weights.length - 1;
  }

  /** Draws axis `d` from kernel `kernel`: a truncated normal in [0, 1] or a choice index. */
  sampleAxis(d: number, kernel: number, rng: Rng): number {
    const logProbs = this.logProbs[d];
    if (logProbs) {
      const size = (this.axes[d] as Extract<Axis, { kind: 'categorical' }>).size;
      let u = rng();
      for (let c = 0; c < size; c++) {
        u -= Math.exp(logProbs[kernel * size + c]);
        if (u < 0) return c;
      }
      return size - 1;
    }
    return sampleTruncNormal(this.mus[d]![kernel], this.sigmas[d]![kernel], rng);
  }

  /** log density of kernel `kernel` on axis `d` at encoded value `x`. */
  kernelLogPdf(d: number, kernel: number, x: number): number {
    const logProbs = this.logProbs[d];
    if (logProbs) return logProbs[kernel * (this.axes[d] as Extract<Axis, { kind: 'categorical' }>).size + x];
    const z = (x - this.mus[d]![kernel]) / this.sigmas[d]![kernel];
    return this.logNorms[d]![kernel] - 0.5 * z * z;
  }

  /** log of the marginal mixture density of axis `d` at `x` (univariate TPE). */
  logPdfAxis(d: number, x: number): number {
    const k = this.weights.length;
    const terms = Float64Array.from(this.logWeights);
    const logProbs = this.logProbs[d];
    if (logProbs) {
      const size = (this.axes[d] as Extract<Axis, { kind: 'categorical' }>).size;
      for (let i = 0; i < k; i++) terms[i] += logProbs[i * size + x];
      return logSumExp(terms);
    }
    const mu = this.mus[d]!;
    const sigma = this.sigmas[d]!;
    const logNorm = this.logNorms[d]!;
    for (let i = 0; i < k; i++) {
      const z = (x - mu[i]) / sigma[i];
      terms[i] += logNorm[i] - 0.5 * z * z;
    }
    return logSumExp(terms);
  }

  /** log of the joint mixture density at `point` (multivariate TPE). Hot path: loops are inlined. */
  logPdf(point: EncodedPoint): number {
    const k = this.weights.length;
    const terms = Float64Array.from(this.logWeights);
    for (let d = 0; d < this.axes.length; d++) {
      const logProbs = this.logProbs[d];
      if (logProbs) {
        const size = (this.axes[d] as Extract<Axis, { kind: 'categorical' }>).size;
        const c = point[d];
        for (let i = 0; i < k; i++) terms[i] += logProbs[i * size + c];
        continue;
      }
      const mu = this.mus[d]!;
      const sigma = this.sigmas[d]!;
      const logNorm = this.logNorms[d]!;
      const x = point[d];
      for (let i = 0; i < k; i++) {
        const z = (x - mu[i]) / sigma[i];
        terms[i] += logNorm[i] - 0.5 * z * z;
      }
    }
    return logSumExp(terms);
  }
}

/** Larger gap to the sorted neighbours (the interval ends count as neighbours only for the prior). */
function gapSigmas(mu: Float64Array, n: number): Float64Array {
  const k = mu.length;
  const order = Array.from({ length: k }, (_, i) => i).sort((a, b) => mu[a] - mu[b]);
  const sorted = order.map((i) => mu[i]);
  const withEnds = [0, ...sorted, 1];
  const sigma = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    let s = Math.max(withEnds[j + 1] - withEnds[j], withEnds[j + 2] - withEnds[j + 1]);
    // Like Optuna (consider_endpoints=False): the outermost kernels look only inwards.
    if (k >= 2 && j === 0) s = withEnds[2] - withEnds[1];
    if (k >= 2 && j === k - 1) s = withEnds[k] - withEnds[k - 1];
    sigma[order[j]] = s;
  }
  if (n === 0) sigma.fill(1);
  return sigma;
}

/**
 * Scott's rule on the observations' own spread: 1.059 * min(sd, IQR / 1.34) * n^(-1/(d+4)).
 * Unlike the range-scaled rule, kernels shrink as the good set concentrates, which is what lets
 * TPE converge finely late in a study (Watanabe, "Tree-structured Parzen estimator: understanding
 * its algorithm components", 2023, §3.4). The magic clip still bounds it from below.
 */
function spreadSigmas(mu: Float64Array, n: number, numericDims: number): Float64Array {
  const k = mu.length;
  if (n < 2) return new Float64Array(k).fill(1);
  const values = Array.from(mu.subarray(0, n)).sort((a, b) => a - b);
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  const q = (p: number): number => values[Math.min(n - 1, Math.floor(p * (n - 1)))];
  const iqr = q(0.75) - q(0.25);
  const spread = iqr > 0 ? Math.min(sd, iqr / 1.34) : sd;
  return new Float64Array(k).fill(1.059 * spread * n ** (-1 / (numericDims + 4)));
}

function scottSigmas(k: number, n: number, numericDims: number): Float64Array {
  return new Float64Array(k).fill(0.2 * Math.max(n, 1) ** (-1 / (numericDims + 4)));
}

/** Per kernel, log-probabilities of each choice: prior mass spread uniformly plus 1 on the observed choice. */
function categoricalTable(size: number, points: readonly EncodedPoint[], d: number, priorWeight: number): Float64Array {
  const n = points.length;
  const table = new Float64Array((n + 1) * size);
  for (let i = 0; i <= n; i++) {
    const observed = i < n ? points[i][d] : -1;
    const rowTotal = priorWeight + (i < n ? 1 : 0);
    for (let c = 0; c < size; c++) table[i * size + c] = Math.log((priorWeight / size + (c === observed ? 1 : 0)) / rowTotal);
  }
  return table;
}

/** log(Phi((1 - mu) / sigma) - Phi(-mu / sigma)): the kernel's mass inside [0, 1]. */
function logTruncMass(mu: number, sigma: number): number {
  const a = -mu / sigma;
  const b = (1 - mu) / sigma;
  // Work in the tail where differences of CDFs keep their precision.
  if (a > 0) return logDiffExp(logNormCdf(-a), logNormCdf(-b));
  return logDiffExp(logNormCdf(b), logNormCdf(a));
}

function logDiffExp(big: number, small: number): number {
  return big + Math.log1p(-Math.exp(small - big));
}

/** Inverse-CDF draw of N(mu, sigma) truncated to [0, 1], using the lower tail for accuracy. */
export function sampleTruncNormal(mu: number, sigma: number, rng: Rng): number {
  let a = -mu / sigma;
  let b = (1 - mu) / sigma;
  const flip = a > 0;
  if (flip) [a, b] = [-b, -a];
  const lo = normCdf(a);
  const hi = normCdf(b);
  let z = normQuantile(lo + rng() * (hi - lo));
  z = Math.min(b, Math.max(a, Number.isFinite(z) ? z : a));
  const x = mu + (flip ? -z : z) * sigma;
  return Math.min(1, Math.max(0, x));
}

export function logSumExp(terms: Float64Array): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < terms.length; i++) if (terms[i] > max) max = terms[i];
  if (max === Number.NEGATIVE_INFINITY) return max;
  let sum = 0;
  for (let i = 0; i < terms.length; i++) sum += Math.exp(terms[i] - max);
  return max + Math.log(sum);
}

import { normal, type Rng } from '../../src/core/index.ts';
import { cholInverse, cholSolve, robustCholesky } from './linalg.ts';
import { SQRT5, type FeatureGroups, type Hyper } from './kernel.ts';
import { minimizeLbfgs } from './lbfgs.ts';

/**
 * Type-II maximum a posteriori fit of the Matérn-5/2 ARD hyperparameters: minimizes the negative
 * log marginal likelihood (Rasmussen & Williams 2006, eq. 5.8, gradient eq. 5.9) plus Gaussian
 * priors on the log parameters, by L-BFGS from the prior mode and a few prior draws.
 * Parameters: theta = [log l_1..log l_G, log signal, log noise].
 */

export interface HyperPrior {
  /** Mean and sd of log length scale (inputs live in the unit cube). */
  logLengthscale: { mean: number; sd: number };
  logSignal: { mean: number; sd: number };
  logNoise: { mean: number; sd: number };
  /** Floor added to the noise variance (standardized targets): keeps K well conditioned. */
  minNoise: number;
}

/** The default prior for `dims` input dimensions: length scales grow like sqrt(dims). */
export function defaultPrior(dims: number, minNoise: number): HyperPrior {
  return {
    logLengthscale: { mean: Math.log(0.5 * Math.sqrt(Math.max(1, dims))), sd: 1 },
    logSignal: { mean: 0, sd: 1 },
    logNoise: { mean: Math.log(1e-4), sd: 2 },
    minNoise,
  };
}

const LOG_2PI = Math.log(2 * Math.PI);

/** Pairwise squared feature differences, summed per length-scale group: diff2[g][pair] for i > j. */
function pairDiffs(xs: readonly Float64Array[], groups: FeatureGroups): Float64Array[] {
  const n = xs.length;
  const pairs = (n * (n - 1)) / 2;
  const out = Array.from({ length: groups.groups }, () => new Float64Array(pairs));
  let p = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++, p++) {
      for (let f = 0; f < groups.features; f++) {
        const d = xs[i][f] - xs[j][f];
        out[groups.groupOf[f]][p] += d * d;
      }
    }
  }
  return out;
}

export function thetaToHyper(theta: Float64Array, prior: HyperPrior): Hyper {
  const g = theta.length - 2;
  const lengthscales = new Float64Array(g);
  for (let a = 0; a < g; a++) lengthscales[a] = Math.exp(clampLog(theta[a], -6, 6));
  return {
    lengthscales,
    signal: Math.exp(clampLog(theta[g], -8, 8)),
    noise: prior.minNoise + Math.exp(clampLog(theta[g + 1], -30, 1)),
  };
}

function clampLog(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** Negative log posterior of theta and its gradient. */
export function negLogPosterior(
  theta: Float64Array,
  diff2: readonly Float64Array[],
  y: Float64Array,
  prior: HyperPrior,
): { f: number; g: Float64Array } {
  const n = y.length;
  const groups = theta.length - 2;
  const hyper = thetaToHyper(theta, prior);
  const invL2 = hyper.lengthscales.map((l) => 1 / (l * l));
  const k = new Float64Array(n * n);
  const factor = new Float64Array((n * (n - 1)) / 2);
  let p = 0;
  for (let i = 0; i < n; i++) {
    k[i * n + i] = hyper.signal + hyper.noise;
    for (let j = 0; j < i; j++, p++) {
      let r2 = 0;
      for (let a = 0; a < groups; a++) r2 += diff2[a][p] * invL2[a];
      const sr = SQRT5 * Math.sqrt(r2);
      const e = Math.exp(-sr);
      const v = hyper.signal * (1 + sr + (sr * sr) / 3) * e;
      k[i * n + j] = v;
      k[j * n + i] = v;
      factor[p] = hyper.signal * (5 / 3) * (1 + sr) * e;
    }
  }
  const { l } = robustCholesky(k, n);
  const alpha = cholSolve(l, n, y);
  let f = 0;
  for (let i = 0; i < n; i++) f += 0.5 * y[i] * alpha[i] + Math.log(l[i * n + i]);
  f += 0.5 * n * LOG_2PI;
  // W = K^-1 - alpha alpha^T; dNLL/dtheta = 0.5 tr(W dK/dtheta).
  const w = cholInverse(l, n);
  const grad = new Float64Array(theta.length);
  let traceW = 0;
  let wk = 0;
  p = 0;
  for (let i = 0; i < n; i++) {
    const wii = w[i * n + i] - alpha[i] * alpha[i];
    traceW += wii;
    wk += wii * hyper.signal;
    for (let j = 0; j < i; j++, p++) {
      const wij = w[i * n + j] - alpha[i] * alpha[j];
      wk += 2 * wij * k[i * n + j];
      const c = wij * factor[p];
      for (let a = 0; a < groups; a++) grad[a] += c * diff2[a][p] * invL2[a];
    }
  }
  grad[groups] = 0.5 * wk;
  grad[groups + 1] = 0.5 * (hyper.noise - prior.minNoise) * traceW;
  // Gaussian priors on the log parameters.
  const add = (i: number, mean: number, sd: number): void => {
    f += (0.5 * (theta[i] - mean) ** 2) / (sd * sd);
    grad[i] += (theta[i] - mean) / (sd * sd);
  };
  for (let a = 0; a < groups; a++) add(a, prior.logLengthscale.mean, prior.logLengthscale.sd);
  add(groups, prior.logSignal.mean, prior.logSignal.sd);
  add(groups + 1, prior.logNoise.mean, prior.logNoise.sd);
  return { f, g: grad };
}

/** Fits hyperparameters to (xs, y); deterministic given `rng`. */
export function fitHyper(
  xs: readonly Float64Array[],
  y: Float64Array,
  groups: FeatureGroups,
  prior: HyperPrior,
  rng: Rng,
  options: { restarts: number; maxIter: number },
): Hyper {
  const diff2 = pairDiffs(xs, groups);
  const dim = groups.groups + 2;
  const starts: Float64Array[] = [];
  const mode = new Float64Array(dim);
  for (let a = 0; a < groups.groups; a++) mode[a] = prior.logLengthscale.mean;
  mode[dim - 2] = prior.logSignal.mean;
  mode[dim - 1] = prior.logNoise.mean;
  starts.push(mode);
  for (let r = 1; r < options.restarts; r++) {
    const s = Float64Array.from(mode);
    for (let a = 0; a < groups.groups; a++) s[a] += prior.logLengthscale.sd * normal(rng);
    starts.push(s);
  }
  let best: { x: Float64Array; f: number } | undefined;
  for (const start of starts) {
    const result = minimizeLbfgs((t) => negLogPosterior(t, diff2, y, prior), start, { maxIter: options.maxIter });
    if (!best || result.f < best.f) best = result;
  }
  return thetaToHyper(best!.x, prior);
}

import type { Params, Rng } from '../../src/core/index.ts';
import { choiceIndex, decodeNumeric, encodeNumeric, type Axis } from '../encoding.ts';
import type { EncodedPoint, ParzenEstimator } from './parzen.ts';

/**
 * TPE's candidate step (Bergstra et al. 2011, §4): draw from the good density l and score by
 * log l(x) - log g(x). Shared by the plain and the grouped (conditional-space) samplers.
 */

/**
 * Joint candidates: one kernel per candidate for all axes; score log l - log g on the joint
 * densities. Returns the candidates best first (a stable sort: ties keep draw order, so the
 * winner is the one a single argmax would pick).
 */
export function rankJoint(l: ParzenEstimator, g: ParzenEstimator, dims: number, count: number, rng: Rng): EncodedPoint[] {
  const scored: Array<{ x: EncodedPoint; score: number }> = [];
  for (let c = 0; c < count; c++) {
    const kernel = l.pickKernel(rng);
    const x = new Float64Array(dims);
    for (let d = 0; d < dims; d++) x[d] = l.sampleAxis(d, kernel, rng);
    const score = l.logPdf(x) - g.logPdf(x);
    scored.push({ x, score: Number.isNaN(score) ? Number.NEGATIVE_INFINITY : score });
  }
  return scored.sort((a, b) => b.score - a.score).map((s) => s.x);
}

/** Univariate TPE: every axis picks its own best candidate against its marginal densities. */
export function bestPerAxis(l: ParzenEstimator, g: ParzenEstimator, dims: number, count: number, rng: Rng): EncodedPoint {
  const out = new Float64Array(dims);
  for (let d = 0; d < dims; d++) {
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < count; c++) {
      const x = l.sampleAxis(d, l.pickKernel(rng), rng);
      const score = l.logPdfAxis(d, x) - g.logPdfAxis(d, x);
      if (c === 0 || score > bestScore) {
        out[d] = x;
        bestScore = score;
      }
    }
  }
  return out;
}

/**
 * Optuna's recency weights: with n >= 25 observations (oldest first) the newest 25 weigh 1 and
 * older ones ramp linearly from 1/n, so the model follows a study that has moved on.
 */
export function recencyWeights(n: number): number[] {
  if (n < 25) return new Array(n).fill(1);
  const ramp = n - 25;
  const out: number[] = [];
  for (let i = 0; i < ramp; i++) out.push(ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1));
  for (let i = 0; i < 25; i++) out.push(1);
  return out;
}

export function encode(axes: readonly Axis[], params: Params): EncodedPoint {
  const x = new Float64Array(axes.length);
  axes.forEach((a, d) => {
    x[d] = a.kind === 'categorical' ? choiceIndex(a, params[a.name]) : encodeNumeric(a, params[a.name] as number);
  });
  return x;
}

export function decode(axes: readonly Axis[], x: EncodedPoint): Params {
  const params: Params = {};
  axes.forEach((a, d) => {
    params[a.name] = a.kind === 'categorical' ? a.dim.choices[x[d]] : decodeNumeric(a, x[d]);
  });
  return params;
}

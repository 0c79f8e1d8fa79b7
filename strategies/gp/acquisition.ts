import type { Rng } from '../../src/core/index.ts';
import { normal } from '../../src/core/index.ts';
import { logH } from '../math/normal.ts';
import type { Axis } from '../encoding.ts';
import { sobolPoints } from '../sobol.ts';
import type { GpModel } from './model.ts';

/**
 * Maximizes log expected improvement (Ament et al., NeurIPS 2023) over the encoded space:
 * a shifted Sobol sweep plus Gaussian perturbations of the best observed points, then a
 * coordinate pattern search from the best few candidates (numeric axes: +-step with halving
 * steps; categorical axes: every other choice). Log EI keeps a usable signal where plain EI
 * underflows to zero, so the search never goes blind late in a study.
 */

/** A point in axis space: unit values for numeric axes, choice indices for categorical axes. */
export type AxisPoint = Float64Array;

export interface AcquisitionOptions {
  sweep: number;
  refineStarts: number;
  /** Max acquisition evaluations per refinement start. */
  refineEvals: number;
}

/** log EI of a minimization model at a point with posterior (mean, variance) and incumbent `best`. */
export function logExpectedImprovement(mean: number, variance: number, best: number): number {
  const sd = Math.sqrt(variance);
  return Math.log(sd) + logH((best - mean) / sd);
}

export function maximizeLogEi(
  model: GpModel,
  axes: readonly Axis[],
  toFeatures: (p: AxisPoint) => Float64Array,
  best: number,
  anchors: readonly AxisPoint[],
  rng: Rng,
  sweepSeed: string,
  options: AcquisitionOptions,
): AxisPoint {
  const score = (p: AxisPoint): number => {
    const { mean, variance } = model.predict(toFeatures(p));
    return logExpectedImprovement(mean, variance, best);
  };
  const candidates: AxisPoint[] = sobolPoints(0, options.sweep, axes.length, sweepSeed).map((u) => fromUnitCube(axes, u));
  // Local candidates around the best observations: EI's maximizer is often next to the incumbent.
  for (const anchor of anchors) {
    for (let k = 0; k < 16; k++) {
      const p = Float64Array.from(anchor);
      axes.forEach((a, d) => {
        if (a.kind === 'numeric') p[d] = clamp01(p[d] + 0.05 * normal(rng));
        else if (rng() < 1 / axes.length) p[d] = Math.floor(rng() * a.size);
      });
      candidates.push(p);
    }
  }
  const scored = candidates.map((p) => ({ p, s: score(p) })).sort((a, b) => b.s - a.s);
  let winner = scored[0];
  for (const start of scored.slice(0, options.refineStarts)) {
    const refined = patternSearch(start.p, start.s, axes, score, options.refineEvals);
    if (refined.s > winner.s) winner = refined;
  }
  return winner.p;
}

function patternSearch(
  p0: AxisPoint,
  s0: number,
  axes: readonly Axis[],
  score: (p: AxisPoint) => number,
  maxEvals: number,
): { p: AxisPoint; s: number } {
  let p = Float64Array.from(p0);
  let s = s0;
  let step = 0.05;
  let evals = 0;
  let triedChoices = false;
  while (step > 1e-4 && evals < maxEvals) {
    let improved = false;
    for (let d = 0; d < axes.length && evals < maxEvals; d++) {
      const axis = axes[d];
      const moves = axis.kind === 'numeric' ? [p[d] + step, p[d] - step] : triedChoices ? [] : Array.from({ length: axis.size }, (_, c) => c);
      for (const v of moves) {
        const value = axis.kind === 'numeric' ? clamp01(v) : v;
        if (value === p[d]) continue;
        const q = Float64Array.from(p);
        q[d] = value;
        const sq = score(q);
        evals++;
        if (sq > s) {
          p = q;
          s = sq;
          improved = true;
        }
      }
    }
    triedChoices = true;
    if (!improved) step /= 2;
  }
  return { p, s };
}

function fromUnitCube(axes: readonly Axis[], u: Float64Array): AxisPoint {
  const p = new Float64Array(axes.length);
  axes.forEach((a, d) => {
    p[d] = a.kind === 'numeric' ? u[d] : Math.min(a.size - 1, Math.floor(u[d] * a.size));
  });
  return p;
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

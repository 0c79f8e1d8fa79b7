/**
 * Hyperparameter importance by PED-ANOVA: S. Watanabe, A. Bansal, F. Hutter, "PED-ANOVA: Efficiently
 * Quantifying Hyperparameter Importance in Arbitrary Subspaces", IJCAI 2023 (arXiv:2304.10255).
 *
 * The importance of one param is the Pearson divergence between its distribution among the top
 * `gammaLocal` fraction of trials and among the top `gammaGlobal` fraction (Theorem 1: this equals the
 * local-space variance fANOVA would attribute to it, for the indicator "trial is in the top set"):
 *
 *   I_d = integral of p_global(x) * (p_local(x) / p_global(x) - 1)^2 dx
 *
 * Each density is a 1-D Parzen estimator: a Gaussian kernel density on the param mapped to [0, 1]
 * (log scale where the dimension is log) with Scott's bandwidth, evaluated on a grid; categoricals get
 * their frequencies with one pseudo-count per choice. A param the objective ignores has the same
 * distribution in both sets and an importance near 0; if the top set is an interval of width gamma
 * in a uniformly sampled param, the importance is (1 - gamma) / gamma.
 */
import type { Dimension, Direction, ParamValue, Space } from '../../core/index.ts';

export interface ImportanceTrial {
  params: Record<string, ParamValue>;
  value: number;
}

export interface ImportanceOptions {
  /** Fraction of best trials that form the local set (paper's gamma'). Default 0.1. */
  gammaLocal?: number;
  /** Fraction of best trials that form the global set (paper's gamma). Default 1: every trial. */
  gammaGlobal?: number;
  /** Grid points for numeric params. Default 200. */
  gridSize?: number;
}

export interface ParamImportance {
  param: string;
  /** Pearson divergence (unnormalized). */
  divergence: number;
  /** Share of the total divergence, 0..1 (all 0 when every divergence is 0). */
  importance: number;
}

/** PED-ANOVA importances of every param in `space`, most important first. Needs >= 2 finite trials. */
export function pedAnova(space: Space, trials: readonly ImportanceTrial[], direction: Direction, options: ImportanceOptions = {}): ParamImportance[] {
  const gammaLocal = options.gammaLocal ?? 0.1;
  const gammaGlobal = options.gammaGlobal ?? 1;
  if (!(gammaLocal > 0 && gammaLocal < gammaGlobal && gammaGlobal <= 1)) {
    throw new RangeError(`PED-ANOVA needs 0 < gammaLocal < gammaGlobal <= 1, got gammaLocal=${gammaLocal}, gammaGlobal=${gammaGlobal}`);
  }
  const sign = direction === 'maximize' ? -1 : 1;
  const ranked = trials.filter((t) => Number.isFinite(t.value)).sort((a, b) => sign * (a.value - b.value));
  if (ranked.length < 2) return Object.keys(space).map((param) => ({ param, divergence: 0, importance: 0 }));
  const nGlobal = Math.max(2, Math.round(ranked.length * gammaGlobal));
  const nLocal = Math.max(1, Math.min(nGlobal - 1, Math.round(ranked.length * gammaLocal)));
  const global = ranked.slice(0, nGlobal);
  const local = ranked.slice(0, nLocal);
  const divergences = Object.entries(space).map(([param, dim]) => ({
    param,
    divergence: divergenceOf(dim, local.map((t) => t.params[param]), global.map((t) => t.params[param]), options.gridSize ?? 200),
  }));
  const total = divergences.reduce((s, d) => s + d.divergence, 0);
  return divergences
    .map((d) => ({ ...d, importance: total > 0 ? d.divergence / total : 0 }))
    .sort((a, b) => b.divergence - a.divergence);
}

function divergenceOf(dim: Dimension, local: ParamValue[], global: ParamValue[], gridSize: number): number {
  if (dim.type === 'categorical') {
    const pl = categoricalDensity(dim.choices, local);
    const pg = categoricalDensity(dim.choices, global);
    return pearson(pl, pg, 1);
  }
  const toUnit = unitMap(dim);
  const xs = (values: ParamValue[]) => values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).map(toUnit);
  const grid = Array.from({ length: gridSize }, (_, i) => (i + 0.5) / gridSize);
  return pearson(kernelDensity(xs(local), grid), kernelDensity(xs(global), grid), 1 / gridSize);
}

/** sum over cells of p_g * (p_l / p_g - 1)^2 * cell width. */
function pearson(pl: number[], pg: number[], width: number): number {
  let sum = 0;
  for (let i = 0; i < pl.length; i++) if (pg[i] > 0) sum += pg[i] * (pl[i] / pg[i] - 1) ** 2 * width;
  return sum;
}

function unitMap(dim: Extract<Dimension, { type: 'float' | 'int' }>): (x: number) => number {
  const lo = dim.log ? Math.log(dim.low) : dim.low;
  const hi = dim.log ? Math.log(dim.high) : dim.high;
  const span = hi - lo || 1;
  return (x) => Math.min(1, Math.max(0, ((dim.log ? Math.log(x) : x) - lo) / span));
}

/** Points past which the KDE sums over a 1/256-wide histogram of them instead (narrower than the bandwidth of so many points). */
const BINNED_ABOVE = 256;

/** Gaussian KDE on [0, 1] with Scott's bandwidth, reflected at both edges, normalized on the grid. */
function kernelDensity(xs: number[], grid: number[]): number[] {
  if (xs.length === 0) return grid.map(() => 1);
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, xs.length - 1));
  const h = Math.max(1.06 * (sd || 1 / Math.sqrt(12)) * xs.length ** -0.2, 1 / grid.length);
  const { centers, weights } = xs.length > BINNED_ABOVE ? histogram(xs, 256) : { centers: xs, weights: xs.map(() => 1) };
  const density = grid.map((g) => {
    let s = 0;
    for (let i = 0; i < centers.length; i++) {
      const x = centers[i];
      for (const mirror of [x, -x, 2 - x]) s += weights[i] * Math.exp(-0.5 * ((g - mirror) / h) ** 2);
    }
    return s;
  });
  const total = density.reduce((s, d) => s + d, 0) / grid.length;
  return density.map((d) => d / total);
}

function histogram(xs: number[], bins: number): { centers: number[]; weights: number[] } {
  const counts = new Array<number>(bins).fill(0);
  for (const x of xs) counts[Math.min(bins - 1, Math.floor(x * bins))]++;
  const centers: number[] = [];
  const weights: number[] = [];
  counts.forEach((c, i) => c > 0 && (centers.push((i + 0.5) / bins), weights.push(c)));
  return { centers, weights };
}

function categoricalDensity(choices: readonly ParamValue[], values: ParamValue[]): number[] {
  const counts = choices.map((c) => 1 + values.filter((v) => v === c).length);
  const total = counts.reduce((s, c) => s + c, 0);
  return counts.map((c) => c / total);
}

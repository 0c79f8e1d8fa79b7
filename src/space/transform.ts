import type { Dimension, ParamValue, Params, Rng, Space } from '../core/index.ts';
import { isActive, samplingOrder } from './conditions.ts';

/**
 * Maps between param values and the unit interval, per dimension. Log dimensions are uniform
 * in log space; ints and steps are snapped to their grid. Categoricals are not mapped here
 * (strategies treat them by index).
 */
export function toUnit(dim: Dimension, value: ParamValue): number {
  if (dim.type === 'categorical') {
    const i = dim.choices.indexOf(value);
    return dim.choices.length === 1 ? 0.5 : i / (dim.choices.length - 1);
  }
  const v = value as number;
  const [lo, hi, x] = dim.log ? [Math.log(dim.low), Math.log(dim.high), Math.log(v)] : [dim.low, dim.high, v];
  return (x - lo) / (hi - lo);
}

/** Inverse of toUnit; clamps to [0, 1] and snaps to ints / steps / choices. */
export function fromUnit(dim: Dimension, u: number): ParamValue {
  const t = Math.min(1, Math.max(0, u));
  if (dim.type === 'categorical') {
    const i = Math.min(dim.choices.length - 1, Math.floor(t * dim.choices.length));
    return dim.choices[i];
  }
  const raw = dim.log ? Math.exp(Math.log(dim.low) + t * (Math.log(dim.high) - Math.log(dim.low))) : dim.low + t * (dim.high - dim.low);
  return snap(dim, raw);
}

/** Nearest legal value of a numeric dimension (int rounding, step grid, bounds). */
export function snap(dim: Exclude<Dimension, { type: 'categorical' }>, x: number): number {
  let v = Math.min(dim.high, Math.max(dim.low, x));
  const step = dim.step;
  if (step !== undefined) {
    const k = Math.round((v - dim.low) / step);
    const maxK = Math.floor((dim.high - dim.low) / step + 1e-9);
    v = dim.low + Math.min(maxK, Math.max(0, k)) * step;
    v = Number(v.toPrecision(12)); // drop float noise: 0.1 + 3*0.05 = 0.25, not 0.25000000000000006
  }
  if (dim.type === 'int') v = Math.round(v);
  return v;
}

/** One uniform draw (log-uniform for log dimensions). */
export function sampleDimension(dim: Dimension, rng: Rng): ParamValue {
  if (dim.type === 'categorical') return dim.choices[Math.floor(rng() * dim.choices.length)];
  if (dim.type === 'int' && !dim.log) {
    const n = Math.floor((dim.high - dim.low) / dim.step) + 1;
    return dim.low + Math.floor(rng() * n) * dim.step;
  }
  return fromUnit(dim, rng());
}

/**
 * One uniform draw of every active param (parents first; inactive params are left out). With
 * `fixed`, those values are kept and only the active params they leave out are drawn (a partly
 * enqueued trial); params outside the space in `fixed` are kept too.
 */
export function sampleSpace(space: Space, rng: Rng, fixed: Params = {}): Params {
  const params: Params = {};
  for (const name of samplingOrder(space)) {
    if (isActive(space, name, params)) params[name] = name in fixed ? fixed[name] : sampleDimension(space[name], rng);
  }
  for (const [name, value] of Object.entries(fixed)) if (!(name in space)) params[name] = value;
  return params;
}

/** True when `value` is a legal value of `dim` (type, bounds, grid). */
export function contains(dim: Dimension, value: ParamValue): boolean {
  if (dim.type === 'categorical') return dim.choices.includes(value);
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (value < dim.low || value > dim.high) return false;
  if (dim.type === 'int' && !Number.isInteger(value)) return false;
  if (dim.step !== undefined) {
    const k = (value - dim.low) / dim.step;
    if (Math.abs(k - Math.round(k)) > 1e-6) return false;
  }
  return true;
}

/** All values of a dimension for grid search; continuous floats get `resolution` points. */
export function gridValues(dim: Dimension, resolution: number): ParamValue[] {
  if (dim.type === 'categorical') return [...dim.choices];
  if (dim.step !== undefined && !dim.log) {
    const n = Math.floor((dim.high - dim.low) / dim.step + 1e-9) + 1;
    if (n <= resolution) return Array.from({ length: n }, (_, k) => snap(dim, dim.low + k * dim.step!));
  }
  const values = Array.from({ length: resolution }, (_, k) => fromUnit(dim, resolution === 1 ? 0.5 : k / (resolution - 1)));
  return [...new Set(values)];
}

import type { Dimension, ParamValue, Params, Space } from '../src/core/index.ts';
import { isActive, snap } from '../src/space/index.ts';

/**
 * The unit-interval view of a space that model-based strategies (TPE, GP) work in. Numeric
 * params map linearly (log params in log space) onto [0, 1]; ints and stepped floats map their
 * range widened by half a step on each side, so every legal value owns an equal slice of the
 * interval and decoding (round to the grid) is unbiased. Categoricals are kept as choice indices.
 */
export type Axis =
  | { kind: 'numeric'; name: string; dim: Exclude<Dimension, { type: 'categorical' }>; lo: number; hi: number }
  | { kind: 'categorical'; name: string; dim: Extract<Dimension, { type: 'categorical' }>; size: number };

/** One axis per param, in the space's key order. */
export function axesOf(space: Space): Axis[] {
  return Object.entries(space).map(([name, dim]): Axis => {
    if (dim.type === 'categorical') return { kind: 'categorical', name, dim, size: dim.choices.length };
    const half = dim.step !== undefined ? dim.step / 2 : 0;
    const low = dim.log && dim.low - half <= 0 ? dim.low : dim.low - half;
    const high = dim.high + half;
    return dim.log
      ? { kind: 'numeric', name, dim, lo: Math.log(low), hi: Math.log(high) }
      : { kind: 'numeric', name, dim, lo: low, hi: high };
  });
}

/** A legal numeric value -> [0, 1]. */
export function encodeNumeric(axis: Extract<Axis, { kind: 'numeric' }>, value: number): number {
  const x = axis.dim.log ? Math.log(value) : value;
  return Math.min(1, Math.max(0, (x - axis.lo) / (axis.hi - axis.lo)));
}

/** [0, 1] -> the nearest legal value (rounded to ints / steps, clamped to bounds). */
export function decodeNumeric(axis: Extract<Axis, { kind: 'numeric' }>, u: number): number {
  const t = Math.min(1, Math.max(0, u));
  const x = axis.lo + t * (axis.hi - axis.lo);
  return snap(axis.dim, axis.dim.log ? Math.exp(x) : x);
}

/** Index of a categorical value, or -1 when the value is not a choice (space changed on resume). */
export function choiceIndex(axis: Extract<Axis, { kind: 'categorical' }>, value: ParamValue): number {
  return axis.dim.choices.indexOf(value);
}

/** True when `params` has a usable value for every axis (older trials may predate a space edit). */
export function fitsAxes(axes: readonly Axis[], params: Params): boolean {
  return axes.every((a) => {
    const v = params[a.name];
    if (a.kind === 'categorical') return choiceIndex(a, v) >= 0;
    return typeof v === 'number' && Number.isFinite(v) && (!a.dim.log || v > 0);
  });
}

/**
 * Conditional spaces: true when every param active under `params` has a usable value; inactive
 * params may be absent (they are, in trials of a conditional space).
 */
export function fitsActive(space: Space, axes: readonly Axis[], params: Params): boolean {
  return fitsAxes(
    axes.filter((a) => isActive(space, a.name, params)),
    params,
  );
}

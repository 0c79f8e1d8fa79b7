import { z } from 'zod';
import type { AskContext, Params, Space, Strategy, StudyView } from '../src/core/index.ts';
import { dropInactive, gridValues, isActive, isConditional, samplingOrder } from '../src/space/index.ts';

export const gridOptionsSchema = z.strictObject({
  type: z.literal('grid'),
  seed: z.number().int().optional(),
  /** Points per continuous float dimension (ints and stepped floats use their own grid when smaller). */
  resolution: z.number().int().min(2, { message: 'resolution must be >= 2' }).default(5),
  /** Visit grid points in a seeded random order instead of lexicographic order. */
  shuffle: z.boolean().default(false),
});

/**
 * Exhaustive grid. The k-th trial gets grid point k (mod the grid size), so the point depends
 * only on the trial number, which keeps restarts and parallel controllers consistent.
 * Points already taken by running or finished trials are skipped. In a conditional space a grid
 * point drops the params it leaves inactive, so points that differ only there are visited once.
 */
export class GridStrategy implements Strategy {
  readonly name = 'grid';
  constructor(private readonly options: { resolution: number; shuffle: boolean }) {}

  /**
   * Number of distinct points in the grid of `study.space` (may exceed 2^53 in high dimensions).
   * In a conditional space points differing only in inactive params are one point; those are
   * counted exactly up to 2^16 points, beyond that the full product stands (the budget ends it).
   */
  size(study: StudyView): bigint {
    const product = Object.values(study.space).reduce((n, d) => n * BigInt(gridValues(d, this.options.resolution).length), 1n);
    if (!isConditional(study.space)) return product;
    return activePoints(study.space, this.options.resolution, 1 << 16) ?? product;
  }

  ask(study: StudyView, ctx: AskContext): Params {
    const names = Object.keys(study.space);
    const axes = names.map((n) => gridValues(study.space[n], this.options.resolution));
    const size = axes.reduce((n, a) => n * BigInt(a.length), 1n);
    const taken = new Set([...study.trials.map((t) => key(t.params, names)), ...ctx.pending.map((p) => key(p, names))]);
    const order = this.options.shuffle ? shuffledOrder(size, ctx.seed) : (i: bigint) => i;
    const start = BigInt(ctx.trialNumber);
    // Walk from the trial's own slot; stop after one lap (grid exhausted) or a bounded search.
    const limit = size < 1_000_000n ? size : 1_000_000n;
    for (let i = 0n; i < limit; i++) {
      const params = dropInactive(study.space, pointAt(order((start + i) % size), names, axes));
      if (!taken.has(key(params, names))) return params;
    }
    // Grid exhausted: repeat the trial-numbered point rather than fail (the budget decides).
    return dropInactive(study.space, pointAt(order(start % size), names, axes));
  }
}

/** Distinct grid points of a conditional space (parents first, inactive params skipped), or undefined past `cap`. */
function activePoints(space: Space, resolution: number, cap: number): bigint | undefined {
  const names = samplingOrder(space);
  const values = names.map((n) => gridValues(space[n], resolution));
  let count = 0;
  const walk = (d: number, params: Params): boolean => {
    if (d === names.length) return ++count <= cap;
    if (!isActive(space, names[d], params)) return walk(d + 1, params);
    for (const v of values[d]) if (!walk(d + 1, { ...params, [names[d]]: v })) return false;
    return true;
  };
  return walk(0, {}) ? BigInt(count) : undefined;
}

function pointAt(index: bigint, names: string[], axes: Params[string][][]): Params {
  const params: Params = {};
  let rest = index;
  for (let d = names.length - 1; d >= 0; d--) {
    const len = BigInt(axes[d].length);
    params[names[d]] = axes[d][Number(rest % len)];
    rest /= len;
  }
  return Object.fromEntries(names.map((n) => [n, params[n]]));
}

function key(params: Params, names: string[]): string {
  return JSON.stringify(names.map((n) => params[n]));
}

/**
 * A seeded bijection of 0..size-1. Grids up to 2^20 points get a Fisher-Yates permutation
 * (Park-Miller LCG); larger ones (a 40-D grid has 3^40 points) an affine map i -> (a i + b) mod
 * size with gcd(a, size) = 1, which needs no memory.
 */
function shuffledOrder(size: bigint, seed: number): (i: bigint) => bigint {
  let s = (Math.abs(Math.floor(seed)) % 2147483646) + 1;
  const next = (): number => (s = (s * 48271) % 2147483647);
  if (size <= 1n << 20n) {
    const n = Number(size);
    const out = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = next() % (i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return (i) => BigInt(out[Number(i)]);
  }
  let a = (BigInt(next()) * BigInt(next())) % size || 1n;
  while (gcd(a, size) !== 1n) a = (a + 1n) % size || 1n;
  const b = (BigInt(next()) * BigInt(next())) % size;
  return (i) => (a * i + b) % size;
}

function gcd(x: bigint, y: bigint): bigint {
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

import { z } from 'zod';
import type { AskContext, Params, Strategy, StudyView } from '../src/core/index.ts';
import { gridValues } from '../src/space/index.ts';

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
 * Points already taken by running or finished trials are skipped.
 */
export class GridStrategy implements Strategy {
  readonly name = 'grid';
  constructor(private readonly options: { resolution: number; shuffle: boolean }) {}

  /** Number of distinct points in the grid of `study.space`. */
  size(study: StudyView): number {
    return Object.values(study.space).reduce((n, d) => n * gridValues(d, this.options.resolution).length, 1);
  }

  ask(study: StudyView, ctx: AskContext): Params {
    const names = Object.keys(study.space);
    const axes = names.map((n) => gridValues(study.space[n], this.options.resolution));
    const size = axes.reduce((n, a) => n * a.length, 1);
    const taken = new Set([...study.trials.map((t) => key(t.params, names)), ...ctx.pending.map((p) => key(p, names))]);
    const order = this.options.shuffle ? permutation(size, ctx.seed) : null;
    for (let i = 0; i < size; i++) {
      const index = order ? order[(ctx.trialNumber + i) % size] : (ctx.trialNumber + i) % size;
      const params = pointAt(index, names, axes);
      if (!taken.has(key(params, names))) return params;
    }
    // Grid exhausted: repeat the trial-numbered point rather than fail (the budget decides).
    return pointAt(order ? order[ctx.trialNumber % size] : ctx.trialNumber % size, names, axes);
  }
}

function pointAt(index: number, names: string[], axes: Params[string][][]): Params {
  const params: Params = {};
  let rest = index;
  for (let d = names.length - 1; d >= 0; d--) {
    params[names[d]] = axes[d][rest % axes[d].length];
    rest = Math.floor(rest / axes[d].length);
  }
  return Object.fromEntries(names.map((n) => [n, params[n]]));
}

function key(params: Params, names: string[]): string {
  return JSON.stringify(names.map((n) => params[n]));
}

/** Seeded Fisher-Yates permutation of 0..n-1 (Park-Miller LCG: tiny, deterministic). */
function permutation(n: number, seed: number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  let s = (Math.abs(Math.floor(seed)) % 2147483646) + 1;
  for (let i = n - 1; i > 0; i--) {
    s = (s * 48271) % 2147483647;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

import type { Direction, TrialView } from '../../src/core/index.ts';

/**
 * Helpers shared by the pruners. Convention: a report's `step` is the 0-based epoch index (as
 * YOLOv5's results.csv and the function trainer number them), so a report at step `s` means
 * `s + 1` epochs of training have been spent. Pruner options in epochs are converted with this.
 */
export type Point = TrialView['intermediate'][number];

/** Epochs of training behind a report at `step`. */
export function epochsAt(step: number): number {
  return step + 1;
}

/** Short, stable number text for reasons: 3 significant digits, no exponent for usual metrics. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Number(x.toPrecision(3)).toString();
}

/** Best finite value of a series for the direction, or undefined when there is none. */
export function bestOf(points: readonly Point[], direction: Direction): number | undefined {
  let best: number | undefined;
  for (const p of points) {
    if (!Number.isFinite(p.value)) continue;
    if (best === undefined || (direction === 'maximize' ? p.value > best : p.value < best)) best = p.value;
  }
  return best;
}

/** The value reported at exactly `step`, if any (series are sorted by step). */
export function valueAtStep(points: readonly Point[], step: number): number | undefined {
  for (const p of points) {
    if (p.step === step) return p.value;
    if (p.step > step) return undefined;
  }
  return undefined;
}

/** Linear-interpolated q-th percentile (0-100) of ascending-sorted `sorted` (numpy's default rule). */
export function percentileOf(sorted: readonly number[], q: number): number {
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** English ordinal for reasons: 1st, 2nd, 3rd, 25th. */
export function ordinal(n: number): string {
  const r = n % 100;
  if (r >= 11 && r <= 13) return `${n}th`;
  return `${n}${({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th'}`;
}

/** Throws a RangeError naming the option and the received value (constructor checks). */
export function check(ok: boolean, pruner: string, option: string, rule: string, value: unknown): void {
  if (!ok) throw new RangeError(`${pruner} pruner: ${option} must be ${rule}, got ${JSON.stringify(value)}`);
}

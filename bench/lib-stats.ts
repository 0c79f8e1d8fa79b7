/** Small statistics helpers for the benchmarks. */
import os from 'node:os';

/** Linear-interpolated quantile of unsorted values (q in [0, 1]). */
export function quantile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export interface Summary {
  median: number;
  q25: number;
  q75: number;
}

export function summarize(values: readonly number[]): Summary {
  return { median: quantile(values, 0.5), q25: quantile(values, 0.25), q75: quantile(values, 0.75) };
}

/** Compact number formatting for tables: 3 significant digits. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  return Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(2) : Number(v.toPrecision(3)).toString();
}

/** The 1-minute load average, printed beside each figure (benches here run on shared machines). */
export function load1(): string {
  return os.loadavg()[0].toFixed(1);
}

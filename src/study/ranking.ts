import type { Direction, TrialView } from '../core/index.ts';

/**
 * Leaderboard order: complete trials with a value by objective (best first), then pruned trials
 * by their last intermediate value, then running ones, then complete trials without a finite
 * value, then failed ones. A failed trial's partial value never lifts it above any other group,
 * so the first row is only ever a failed trial when every trial failed.
 */
export function rankTrials<T extends TrialView>(trials: readonly T[], direction: Direction): T[] {
  const sign = direction === 'maximize' ? -1 : 1;
  const group = (t: T): number => {
    if (t.state === 'complete') return t.value !== undefined && Number.isFinite(t.value) ? 0 : 3;
    return { pruned: 1, running: 2, failed: 4 }[t.state];
  };
  const score = (t: T): number => {
    const v = t.state === 'complete' ? t.value : t.intermediate.at(-1)?.value;
    return v !== undefined && Number.isFinite(v) ? sign * v : Number.POSITIVE_INFINITY;
  };
  return [...trials].sort((a, b) => group(a) - group(b) || score(a) - score(b) || a.number - b.number);
}

/** The objective of a finished series: its last value, or its best over steps. */
export function objectiveOf(
  series: ReadonlyArray<{ step: number; value: number }>,
  mode: 'last' | 'best',
  direction: Direction,
): number | undefined {
  if (series.length === 0) return undefined;
  if (mode === 'last') return series[series.length - 1].value;
  const finite = series.map((p) => p.value).filter(Number.isFinite);
  if (finite.length === 0) return series[series.length - 1].value;
  return direction === 'maximize' ? Math.max(...finite) : Math.min(...finite);
}

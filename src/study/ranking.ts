import type { Direction, TrialView } from '../core/index.ts';

/**
 * Leaderboard order: complete trials by objective (best first), then pruned trials by their
 * last intermediate value, then running, then failed. Non-finite values sort last in their group.
 */
export function rankTrials<T extends TrialView>(trials: readonly T[], direction: Direction): T[] {
  const group: Record<TrialView['state'], number> = { complete: 0, pruned: 1, running: 2, failed: 3 };
  const sign = direction === 'maximize' ? -1 : 1;
  const score = (t: T): number => {
    const v = t.state === 'complete' ? t.value : t.intermediate.at(-1)?.value;
    return v !== undefined && Number.isFinite(v) ? sign * v : Number.POSITIVE_INFINITY;
  };
  return [...trials].sort((a, b) => group[a.state] - group[b.state] || score(a) - score(b) || a.number - b.number);
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

import type { Direction, TrialView } from '../core/index.ts';
import { nonDominatedFronts } from '../../strategies/math/pareto.ts';
import { violation } from '../../strategies/objectives.ts';

/**
 * Leaderboard order for one objective: complete trials with a value by objective (best first),
 * then pruned trials by their last intermediate value, then running ones, then complete trials
 * without a finite value, then failed ones. A failed trial's partial value never lifts it above
 * any other group, so the first row is only ever a failed trial when every trial failed.
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

/** A trial's place in its study's ranking. */
export interface RankPlace {
  /** Several objectives: 0 = on the Pareto front (non-dominated among feasible complete trials), 1 = the next front, ... */
  front?: number;
  /** False when the trial broke a constraint (any positive violation). */
  feasible: boolean;
}

/**
 * The study's ranking, for any number of objectives and constraints; with one objective and no
 * constraints exactly `rankTrials`. Otherwise complete feasible trials come first, by front
 * (several objectives; inside a front by the first objective) or by value; then complete
 * infeasible trials by total violation (Optuna's constraint semantics: any feasible trial beats any
 * infeasible one); then pruned, running and failed trials as `rankTrials` orders them.
 */
export function rankStudy<T extends TrialView>(trials: readonly T[], directions: readonly Direction[]): { ranked: T[]; places: Map<T, RankPlace> } {
  const places = new Map<T, RankPlace>(trials.map((t) => [t, { feasible: violation(t) === 0 }]));
  const base = rankTrials(trials, directions[0]);
  const constrained = trials.some((t) => (t.constraints?.length ?? 0) > 0);
  if (directions.length < 2 && !constrained) return { ranked: base, places };
  const usable = (t: T): boolean => t.state === 'complete' && valuesOf(t, directions) !== undefined;
  const feasible = base.filter((t) => usable(t) && places.get(t)!.feasible);
  const infeasible = base.filter((t) => usable(t) && !places.get(t)!.feasible).sort((a, b) => violation(a) - violation(b) || a.number - b.number);
  const rest = base.filter((t) => !usable(t));
  let head = feasible;
  if (directions.length > 1) {
    const losses = feasible.map((t) => valuesOf(t, directions)!.map((v, i) => (directions[i] === 'maximize' ? -v : v)));
    const fronts = nonDominatedFronts(losses);
    fronts.forEach((front, k) => front.forEach((i) => (places.get(feasible[i])!.front = k)));
    // Inside a front: by the first objective, then trial number (feasible is already in that order).
    head = fronts.flatMap((front) => [...front].sort((a, b) => losses[a][0] - losses[b][0] || feasible[a].number - feasible[b].number).map((i) => feasible[i]));
  }
  return { ranked: [...head, ...infeasible, ...rest], places };
}

/**
 * The study's result: feasible complete trials no other one dominates, in ranking order. With one
 * objective, the best trial and any that tie with it.
 */
export function paretoFront<T extends TrialView>(trials: readonly T[], directions: readonly Direction[]): T[] {
  const { ranked, places } = rankStudy(trials, directions);
  const complete = ranked.filter((t) => t.state === 'complete' && valuesOf(t, directions) !== undefined && places.get(t)!.feasible);
  if (directions.length > 1) return complete.filter((t) => places.get(t)!.front === 0);
  return complete.filter((t) => t.value === complete[0]?.value);
}

/** The trial's objective values (one per direction), or undefined when any is missing or non-finite. */
export function valuesOf(t: TrialView, directions: readonly Direction[]): readonly number[] | undefined {
  const values = directions.length > 1 ? t.values : t.value !== undefined ? [t.value] : undefined;
  return values && values.length === directions.length && values.every(Number.isFinite) ? values : undefined;
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

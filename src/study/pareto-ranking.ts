import type { Direction, TrialView } from '../core/index.ts';
import { nonDominatedFronts } from '../../strategies/math/pareto.ts';
import { violation } from '../../strategies/objectives.ts';
import { rankTrials } from './ranking.ts';

/** A trial's place in a study with several objectives or constraints. */
export interface ParetoPlace {
  /** 0 = on the Pareto front (non-dominated among feasible complete trials), 1 = the next front, ... */
  front?: number;
  feasible: boolean;
}

/**
 * Leaderboard order for any study: with one objective and no constraints exactly `rankTrials`.
 * Otherwise complete feasible trials come first, by front (several objectives; inside a front by
 * the first objective) or by value; then complete infeasible trials by total violation (Optuna's
 * constraint semantics: any feasible trial beats any infeasible one); then pruned, running and
 * failed trials as `rankTrials` orders them.
 */
export function rankStudy<T extends TrialView>(trials: readonly T[], directions: readonly Direction[]): { ranked: T[]; places: Map<T, ParetoPlace> } {
  const places = new Map<T, ParetoPlace>();
  const base = rankTrials(trials, directions[0]);
  const anyConstraint = trials.some((t) => (t.constraints?.length ?? 0) > 0);
  if (directions.length < 2 && !anyConstraint) return { ranked: base, places };
  for (const t of trials) places.set(t, { feasible: violation(t) === 0 });
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

/** The trial's objective values (one per direction), or undefined when any is missing or non-finite. */
export function valuesOf(t: TrialView, directions: readonly Direction[]): readonly number[] | undefined {
  const values = directions.length > 1 ? t.values : t.value !== undefined ? [t.value] : undefined;
  return values && values.length === directions.length && values.every(Number.isFinite) ? values : undefined;
}

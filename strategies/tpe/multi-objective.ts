import type { StudyView } from '../../src/core/index.ts';
import { greedyHypervolumeOrder, hypervolumeContributions, nadirReference, nonDominatedFronts } from '../math/pareto.ts';
import { isMultiObjective, vectorObservations, violation } from '../objectives.ts';
import { recencyWeights } from './candidates.ts';
import type { RankedObservation } from './ranking.ts';

/**
 * The ranking behind MOTPE (Ozaki, Tanigaki, Watanabe & Onishi, "Multiobjective tree-structured
 * Parzen estimator for computationally expensive optimization problems", GECCO 2020, §3): complete
 * trials ordered by non-dominated front, and inside a front in greedy hypervolume-subset order
 * (pareto.ts) against a reference just beyond the front's worst values, so whatever part of a
 * front the good set takes from the top is the best-spread subset of that size. Only the fronts
 * up to `ordered` trials are put in that order (the good set never reaches further); later fronts
 * keep trial-number order. Pruned trials do not take part: several objectives cannot be pruned
 * (see README, Several objectives). `loss` becomes the position in this order.
 */
export function rankByFronts(study: StudyView, ordered = Number.POSITIVE_INFINITY): RankedObservation[] {
  const obs = vectorObservations(study);
  if (obs.length === 0) return [];
  const points = obs.map((o) => o.losses);
  const order: number[] = [];
  for (const front of nonDominatedFronts(points)) {
    if (front.length === 1 || order.length >= ordered) {
      order.push(...front);
      continue;
    }
    const members = front.map((i) => points[i]);
    order.push(...greedyHypervolumeOrder(members, nadirReference(members)).map((k) => front[k]));
  }
  return order.map((i, rank) => ({ number: obs[i].number, params: obs[i].trial.params, loss: rank, state: 'complete', depth: Number.POSITIVE_INFINITY }));
}

/**
 * Least weight of a good trial, so a trial whose point adds no volume still keeps a kernel
 * (on DTLZ2, bench:multi-objective, a floor of 0.1 and one of 1e-9 landed within seed noise).
 */
export const MIN_CONTRIBUTION_WEIGHT = 0.1;

/**
 * Kernel weights of the good density l(x): with several objectives, {@link contributionWeights};
 * with one, Optuna's recency weights (trials in trial-number order).
 */
export function goodWeights(study: StudyView, good: readonly { number: number }[]): number[] {
  return isMultiObjective(study) ? contributionWeights(study, good) : recencyWeights(good.length);
}

/**
 * Kernel weights of the good set's trials (MOTPE, Ozaki et al. 2020, §3.2): each trial's
 * exclusive hypervolume inside the good set, against a reference just beyond the set's worst
 * values, over the largest one, floored at {@link MIN_CONTRIBUTION_WEIGHT}. So l(x) puts its mass
 * where a trial holds a part of the front nobody else covers, not where points crowd. Trials
 * without a loss vector and infeasible ones (in the good set only when too few are feasible) weigh
 * the floor and take no part in the volumes.
 */
export function contributionWeights(study: StudyView, good: readonly { number: number }[]): number[] {
  const byNumber = new Map(vectorObservations(study).filter((o) => violation(o.trial) === 0).map((o) => [o.number, o.losses]));
  const vectors = good.map((o) => byNumber.get(o.number));
  const known = vectors.filter((v): v is number[] => v !== undefined);
  if (known.length < 2) return vectors.map((v) => (v === undefined ? MIN_CONTRIBUTION_WEIGHT : 1));
  const contribution = hypervolumeContributions(known, nadirReference(known));
  const top = Math.max(...contribution);
  let k = 0;
  return vectors.map((v) => {
    if (v === undefined) return MIN_CONTRIBUTION_WEIGHT;
    const c = contribution[k++];
    return top > 0 ? Math.max(MIN_CONTRIBUTION_WEIGHT, c / top) : 1;
  });
}

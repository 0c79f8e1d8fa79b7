import type { StudyView } from '../../src/core/index.ts';
import { hypervolumeContributions, nadirReference, nonDominatedFronts } from '../math/pareto.ts';
import { vectorObservations } from '../objectives.ts';
import type { RankedObservation } from './ranking.ts';

/**
 * The ranking behind MOTPE (Ozaki, Tanigaki, Watanabe & Onishi, "Multiobjective tree-structured
 * Parzen estimator for computationally expensive optimization problems", GECCO 2020, §3): complete
 * trials ordered by non-dominated front, and inside a front by hypervolume contribution (largest
 * first) against a reference just beyond the worst observed values, so the good set TPE takes from
 * the top is the front's best-spread subset. Pruned trials do not take part: several objectives
 * cannot be pruned (see README, Several objectives). `loss` becomes the position in this order.
 */
export function rankByFronts(study: StudyView): RankedObservation[] {
  const obs = vectorObservations(study);
  if (obs.length === 0) return [];
  const points = obs.map((o) => o.losses);
  const reference = nadirReference(points);
  const ordered: number[] = [];
  for (const front of nonDominatedFronts(points)) {
    if (front.length === 1) {
      ordered.push(front[0]);
      continue;
    }
    const contribution = hypervolumeContributions(front.map((i) => points[i]), reference);
    ordered.push(...front.map((i, k) => ({ i, c: contribution[k] })).sort((a, b) => b.c - a.c || obs[a.i].number - obs[b.i].number).map((x) => x.i));
  }
  return ordered.map((i, rank) => ({ number: obs[i].number, params: obs[i].trial.params, loss: rank, state: 'complete', depth: Number.POSITIVE_INFINITY }));
}

import type { AskContext, Params, Space, StudyView } from '../../src/core/index.ts';
import { isActive, sampleDimension, samplingOrder } from '../../src/space/index.ts';
import { axesOf, fitsAxes } from '../encoding.ts';
import { firstNotPending } from '../history.ts';
import { ParzenEstimator } from './parzen.ts';
import type { TpeOptions } from './options.ts';
import { splitGoodBad, type RankedObservation } from './ranking.ts';
import { goodWeights } from './multi-objective.ts';
import { bestPerAxis, decode, encode, rankJoint, recencyWeights } from './candidates.ts';

/**
 * TPE on a conditional space, grouped as Optuna's `TPESampler(group=True)` is: params that are
 * active under the same condition form a group; groups are sampled parents first, and each active
 * group gets its own good / bad split and Parzen estimators over the trials in which that group
 * was active (a trial without the group's params says nothing about them). A group with fewer such
 * trials than `nStartupTrials` is drawn uniformly. Running trials join each group's bad set
 * (constant liar) when they hold its params.
 *
 * @param ranked usable trials best first (value or front order, feasible first), as the plain sampler ranks them
 */
export function askGrouped(study: StudyView, ctx: AskContext, options: TpeOptions, ranked: readonly RankedObservation[]): Params {
  const params: Params = {};
  const parzen = { priorWeight: options.priorWeight, magicClip: options.magicClip, multivariate: options.multivariate, bandwidth: options.bandwidth, kernelScore: options.kernelScore };
  for (const group of conditionGroups(study.space)) {
    if (!isActive(study.space, group[0], params)) continue;
    const axes = axesOf(Object.fromEntries(group.map((n) => [n, study.space[n]])));
    const seen = ranked.filter((o) => fitsAxes(axes, o.params));
    if (seen.length < options.nStartupTrials) {
      for (const name of group) params[name] = sampleDimension(study.space[name], ctx.rng);
      continue;
    }
    const { good, bad } = splitGoodBad(seen, options.gamma, options.maxGood, options.prunedTrials);
    const badPoints = bad.map((o) => encode(axes, o.params));
    if (options.constantLiar) for (const p of ctx.pending) if (fitsAxes(axes, p)) badPoints.push(encode(axes, p));
    const goodPoints = good.map((o) => encode(axes, o.params));
    const l = new ParzenEstimator(axes, goodPoints, goodWeights(study, good), parzen);
    const g = new ParzenEstimator(axes, badPoints, recencyWeights(badPoints.length), parzen);
    const x = options.multivariate ? rankJoint(l, g, axes.length, options.nEiCandidates, ctx.rng)[0] : bestPerAxis(l, g, axes.length, options.nEiCandidates, ctx.rng);
    Object.assign(params, decode(axes, x));
  }
  const ordered = Object.fromEntries(Object.keys(study.space).filter((n) => n in params).map((n) => [n, params[n]]));
  return firstNotPending([ordered], ctx.pending, study.space, ctx.rng);
}

/** Params grouped by their condition (same `when`, same group), groups in sampling order (parents' groups first). */
export function conditionGroups(space: Space): string[][] {
  const groups = new Map<string, string[]>();
  for (const name of samplingOrder(space)) {
    const key = signature(space, name);
    const group = groups.get(key);
    if (group) group.push(name);
    else groups.set(key, [name]);
  }
  return [...groups.values()];
}

function signature(space: Space, name: string): string {
  const when = space[name].when ?? {};
  return JSON.stringify(
    Object.keys(when)
      .sort()
      .map((p) => [p, (Array.isArray(when[p]) ? [...(when[p] as unknown[])] : [when[p]]).map(String).sort()]),
  );
}

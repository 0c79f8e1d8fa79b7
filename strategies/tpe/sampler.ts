import type { AskContext, Params, Strategy, StudyView } from '../../src/core/index.ts';
import { dropInactive, isConditional, sampleSpace } from '../../src/space/index.ts';
import { axesOf, fitsAxes, type Axis } from '../encoding.ts';
import { sobolParams } from '../random.ts';
import { ParzenEstimator } from './parzen.ts';
import { TPE_DEFAULTS, type TpeOptions } from './options.ts';
import { rankTrials, splitGoodBad, type RankedObservation } from './ranking.ts';
import { firstNotPending } from '../history.ts';
import { feasibleFirst, isMultiObjective } from '../objectives.ts';
import { goodWeights, rankByFronts } from './multi-objective.ts';
import { askGrouped } from './grouped.ts';
import { bestPerAxis, decode, encode, rankJoint, recencyWeights } from './candidates.ts';

export { recencyWeights };

/**
 * Usable results after which `whileRunning: 'explore'` stops: by then the good set has 6 members
 * and its own kernels have narrowed, and the liar alone keeps parallel asks apart; exploring
 * longer (60) costs late convergence on Branin and Hartmann-6, stopping at 25 loses most of the
 * gain on Hartmann-6 and Rosenbrock-4 (bench/strategies.ts, 60-100 seeds).
 */
export const EXPLORE_UNTIL = 40;

/**
 * The density settings of `whileRunning: 'explore'`. Early in a parallel study the good set is a
 * few scattered points whose spread-based (Scott) kernels span much of the space, so the 24
 * candidates of 4 concurrent asks fall in the same broad region and the liar's equally wide bad
 * kernels barely separate them. `narrower` keeps each candidate near its own good point. Scoring
 * by `height` matters more: the observation kernels of one estimator share a bandwidth, so
 * dropping 1 / sigma changes how much they weigh against the prior kernel (sigma 1), which then
 * counts for more in both l and g; l / g flattens and candidates off the crowded regions (the good
 * points' and the running trials') win more often, so concurrent asks spread out.
 * Measured paired over 100 seeds of bench/strategies.ts' protocol (4 running, against `same`,
 * better:worse seeds @25 / @50 / @100): Hartmann-6 59:34 / 69:31 / 68:32, Rosenbrock-4
 * 71:20 / 72:28 / 69:31, Branin 31:38 / 35:57 / 50:50 (the price: a 2-D, three-basin problem
 * where the extra spread delays convergence). `narrower` with density scoring, `scott` with
 * height scoring, half-width Scott kernels and range-scaled (`optuna`) kernels did worse on
 * Hartmann-6 or Rosenbrock-4; so did stopping at 25 results. Sequential studies never use it.
 */
export const WHILE_RUNNING_EXPLORE = { bandwidth: 'narrower', kernelScore: 'height' } as const;

/**
 * Tree-structured Parzen Estimator (Bergstra et al. 2011). Each ask ranks the usable trials,
 * splits them into a good set (the best min(ceil(gamma n), maxGood)) and a bad set, fits one
 * Parzen estimator to each, draws `nEiCandidates` points from the good density l and proposes
 * the one with the largest l(x) / g(x), which maximizes expected improvement under TPE's model.
 *
 * Ranking (option `prunedTrials`, rules in ranking.ts): complete trials by value; pruned trials by
 * their last intermediate value, below every complete trial (`last-value`, the default). Other
 * rules: rank a pruned trial at its last epoch among the complete trials' values at that same
 * epoch and merge it by rank matching (`same-epoch`) or keep it below them (`epoch-rank`), rank
 * pruned trials deepest first as Optuna does (`deepest`), or keep them out of the good set
 * (`bad-only`). A pruned trial reaches the good set only when fewer complete trials than the good
 * set's size rank above it. Failed trials and non-finite values are ignored. Running trials
 * (`ctx.pending`) are told to the model as the worst observed value (constant liar): they join
 * the bad set, which pushes parallel proposals away from each other. When the best candidate
 * still decodes onto a running trial's params (ints, steps, categoricals), the best candidate that
 * does not is taken, else a uniform draw: two running trials never share params.
 *
 * Several objectives (MOTPE, Ozaki et al. 2020): trials are ranked by non-dominated front and,
 * inside a front, in greedy hypervolume-subset order instead of by value, and the good set's
 * kernels are weighted by each trial's hypervolume contribution (multi-objective.ts); the rest is
 * unchanged. `MOTPE_OPTIONS` (options.ts) are the settings `auto` uses from 3 objectives.
 * Constraints (Optuna's semantics): feasible trials rank before every infeasible one, infeasible
 * ones by total violation, so the good set learns where the feasible region is.
 * Conditional spaces: the space is split into groups of params active together and each group
 * gets its own TPE over the trials where it was active (grouped.ts, Optuna's `group=True`).
 *
 * Pure: no state besides options; the same study view and context give the same params.
 */
export class TpeStrategy implements Strategy {
  readonly name: string;
  private readonly options: TpeOptions;

  constructor(options: Partial<TpeOptions> = {}) {
    this.options = { ...TPE_DEFAULTS, ...options };
    this.name = this.options.multivariate ? 'tpe-multivariate' : 'tpe';
  }

  ask(study: StudyView, ctx: AskContext): Params {
    const all = this.rank(study);
    if (isConditional(study.space)) {
      if (all.length < this.options.nStartupTrials) return firstNotPending([this.startup(study, ctx)], ctx.pending, study.space, ctx.rng);
      return askGrouped(study, ctx, this.options, all);
    }
    const axes = axesOf(study.space);
    const ranked = all.filter((o) => fitsAxes(axes, o.params));
    if (ranked.length < this.options.nStartupTrials) return firstNotPending([this.startup(study, ctx)], ctx.pending, study.space, ctx.rng);
    const { good, bad } = splitGoodBad(ranked, this.options.gamma, this.options.maxGood, this.options.prunedTrials);
    const goodPoints = good.map((o) => encode(axes, o.params));
    const badPoints = bad.map((o) => encode(axes, o.params));
    if (this.options.constantLiar) {
      for (const p of ctx.pending) if (fitsAxes(axes, p)) badPoints.push(encode(axes, p));
    }
    const explore = this.exploring(axes, ranked.length, ctx.pending.length);
    const parzen = {
      priorWeight: this.options.priorWeight,
      magicClip: this.options.magicClip,
      multivariate: this.options.multivariate,
      bandwidth: explore ? WHILE_RUNNING_EXPLORE.bandwidth : this.options.bandwidth,
      kernelScore: explore ? WHILE_RUNNING_EXPLORE.kernelScore : this.options.kernelScore,
    };
    const l = new ParzenEstimator(axes, goodPoints, goodWeights(study, good), parzen);
    const g = new ParzenEstimator(axes, badPoints, recencyWeights(badPoints.length), parzen);
    if (!this.options.multivariate) return firstNotPending([decode(axes, bestPerAxis(l, g, axes.length, this.options.nEiCandidates, ctx.rng))], ctx.pending, study.space, ctx.rng);
    const candidates = rankJoint(l, g, axes.length, this.options.nEiCandidates, ctx.rng);
    // Only decode the runners-up when the winner collides with a running trial.
    if (ctx.pending.length === 0) return decode(axes, candidates[0]);
    return firstNotPending(candidates.map((x) => decode(axes, x)), ctx.pending, study.space, ctx.rng);
  }

  /**
   * Whether this ask uses `WHILE_RUNNING_EXPLORE` (option `whileRunning: 'explore'`): only with
   * running trials, multivariate densities, numeric axes only and fewer than `EXPLORE_UNTIL`
   * usable results. (Conditional spaces never get here: they go through askGrouped.)
   */
  exploring(axes: readonly Axis[], results: number, running: number): boolean {
    return this.options.whileRunning === 'explore' && running > 0 && this.options.multivariate && results < EXPLORE_UNTIL && axes.every((a) => a.kind === 'numeric');
  }

  /** Usable trials best first: by value or (several objectives) by front, feasible ones first. */
  private rank(study: StudyView): RankedObservation[] {
    const ranked = isMultiObjective(study) ? rankByFronts(study, this.options.maxGood) : rankTrials(study, this.options.prunedTrials);
    return feasibleFirst(ranked, study);
  }

  private startup(study: StudyView, ctx: AskContext): Params {
    return this.options.startup === 'sobol' ? dropInactive(study.space, sobolParams(study.space, ctx.trialNumber, ctx.seed)) : sampleSpace(study.space, ctx.rng);
  }
}

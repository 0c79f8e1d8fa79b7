import type { AskContext, Params, Rng, Strategy, StudyView } from '../../src/core/index.ts';
import { sampleSpace } from '../../src/space/index.ts';
import { axesOf, choiceIndex, decodeNumeric, encodeNumeric, fitsAxes, type Axis } from '../encoding.ts';
import { sobolParams } from '../random.ts';
import { ParzenEstimator, type EncodedPoint } from './parzen.ts';
import { TPE_DEFAULTS, type TpeOptions } from './options.ts';
import { rankTrials, splitGoodBad } from './ranking.ts';
import { firstNotPending } from '../history.ts';

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
    const axes = axesOf(study.space);
    const ranked = rankTrials(study, this.options.prunedTrials).filter((o) => fitsAxes(axes, o.params));
    if (ranked.length < this.options.nStartupTrials) {
      const start = this.options.startup === 'sobol' ? sobolParams(study.space, ctx.trialNumber, ctx.seed) : sampleSpace(study.space, ctx.rng);
      return firstNotPending([start], ctx.pending, study.space, ctx.rng);
    }
    const { good, bad } = splitGoodBad(ranked, this.options.gamma, this.options.maxGood, this.options.prunedTrials);
    const goodPoints = good.map((o) => encode(axes, o.params));
    const badPoints = bad.map((o) => encode(axes, o.params));
    if (this.options.constantLiar) {
      for (const p of ctx.pending) if (fitsAxes(axes, p)) badPoints.push(encode(axes, p));
    }
    const parzen = { priorWeight: this.options.priorWeight, magicClip: this.options.magicClip, multivariate: this.options.multivariate, bandwidth: this.options.bandwidth };
    const l = new ParzenEstimator(axes, goodPoints, recencyWeights(goodPoints.length), parzen);
    const g = new ParzenEstimator(axes, badPoints, recencyWeights(badPoints.length), parzen);
    if (!this.options.multivariate) return firstNotPending([decode(axes, bestPerAxis(l, g, axes.length, this.options.nEiCandidates, ctx.rng))], ctx.pending, study.space, ctx.rng);
    const candidates = rankJoint(l, g, axes.length, this.options.nEiCandidates, ctx.rng);
    // Only decode the runners-up when the winner collides with a running trial.
    if (ctx.pending.length === 0) return decode(axes, candidates[0]);
    return firstNotPending(candidates.map((x) => decode(axes, x)), ctx.pending, study.space, ctx.rng);
  }
}

/**
 * Joint candidates: one kernel per candidate for all axes; score log l - log g on the joint
 * densities. Returns the candidates best first (a stable sort: ties keep draw order, so the
 * winner is the one a single argmax would pick).
 */
function rankJoint(l: ParzenEstimator, g: ParzenEstimator, dims: number, count: number, rng: Rng): EncodedPoint[] {
  const scored: Array<{ x: EncodedPoint; score: number }> = [];
  for (let c = 0; c < count; c++) {
    const kernel = l.pickKernel(rng);
    const x = new Float64Array(dims);
    for (let d = 0; d < dims; d++) x[d] = l.sampleAxis(d, kernel, rng);
    const score = l.logPdf(x) - g.logPdf(x);
    scored.push({ x, score: Number.isNaN(score) ? Number.NEGATIVE_INFINITY : score });
  }
  return scored.sort((a, b) => b.score - a.score).map((s) => s.x);
}

/** Univariate TPE: every axis picks its own best candidate against its marginal densities. */
function bestPerAxis(l: ParzenEstimator, g: ParzenEstimator, dims: number, count: number, rng: Rng): EncodedPoint {
  const out = new Float64Array(dims);
  for (let d = 0; d < dims; d++) {
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < count; c++) {
      const x = l.sampleAxis(d, l.pickKernel(rng), rng);
      const score = l.logPdfAxis(d, x) - g.logPdfAxis(d, x);
      if (c === 0 || score > bestScore) {
        out[d] = x;
        bestScore = score;
      }
    }
  }
  return out;
}

/**
 * Optuna's recency weights: with n >= 25 observations (oldest first) the newest 25 weigh 1 and
 * older ones ramp linearly from 1/n, so the model follows a study that has moved on.
 */
export function recencyWeights(n: number): number[] {
  if (n < 25) return new Array(n).fill(1);
  const ramp = n - 25;
  const out: number[] = [];
  for (let i = 0; i < ramp; i++) out.push(ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1));
  for (let i = 0; i < 25; i++) out.push(1);
  return out;
}

function encode(axes: readonly Axis[], params: Params): EncodedPoint {
  const x = new Float64Array(axes.length);
  axes.forEach((a, d) => {
    x[d] = a.kind === 'categorical' ? choiceIndex(a, params[a.name]) : encodeNumeric(a, params[a.name] as number);
  });
  return x;
}

function decode(axes: readonly Axis[], x: EncodedPoint): Params {
  const params: Params = {};
  axes.forEach((a, d) => {
    params[a.name] = a.kind === 'categorical' ? a.dim.choices[x[d]] : decodeNumeric(a, x[d]);
  });
  return params;
}

import type { AskContext, Params, Rng, Space, Strategy, StudyView } from '../../src/core/index.ts';
import { dropInactive, isActive, isConditional, sampleSpace } from '../../src/space/index.ts';
import { axesOf, choiceIndex, decodeNumeric, encodeNumeric, fitsActive, type Axis } from '../encoding.ts';
import { firstNotPending, prunedObservations, type Observation } from '../history.ts';
import { scalarObservations } from '../objectives.ts';
import { sobolParams } from '../random.ts';
import { maximizeLogEi, type AxisPoint } from './acquisition.ts';
import { defaultPrior, fitHyper } from './fit.ts';
import type { FeatureGroups } from './kernel.ts';
import { GpModel } from './model.ts';
import { GP_DEFAULTS, type GpOptions } from './options.ts';

/**
 * Gaussian-process Bayesian optimization: Matérn-5/2 ARD kernel on the unit-cube encoding (log
 * params in log space, categoricals one-hot, ints and steps rounded after the proposal),
 * standardized (optionally log-warped) losses, MAP kernel hyperparameters, and log expected
 * improvement maximized by a Sobol sweep plus pattern search.
 *
 * Only complete trials with finite values are data. Pruned trials are told as the worst complete
 * loss (they were stopped for looking bad), failed trials are ignored. Running trials
 * (`ctx.pending`) are handled by a kriging believer: they join the data with the posterior mean
 * as their value, so their posterior variance collapses and parallel proposals spread out. A
 * proposal that rounds onto a running trial's params (ints, steps, bounds, categoricals) is
 * replaced by a uniform draw, so two running trials never share params.
 *
 * Several objectives are scalarized per ask (ParEGO's random augmented Chebyshev weights) and
 * infeasible trials are told as worse than every feasible one by their violation (objectives.ts).
 * Conditional spaces: an inactive numeric param is encoded as -1 (outside the unit interval, so
 * trials on different branches are far apart) and an inactive categorical as an all-zero one-hot;
 * candidates are scored with the params their own values leave inactive imputed the same way, and
 * the proposal drops them.
 *
 * Pure: no state besides options; restarts of the hyperparameter fit draw from `ctx.rng`.
 */
export class GpStrategy implements Strategy {
  readonly name = 'gp';
  private readonly options: GpOptions;

  constructor(options: Partial<GpOptions> = {}) {
    this.options = { ...GP_DEFAULTS, ...options };
  }

  ask(study: StudyView, ctx: AskContext): Params {
    const space = study.space;
    const axes = axesOf(space);
    const fits = (p: Params): boolean => fitsActive(space, axes, p);
    const complete = scalarObservations(study, ctx.rng).filter((o) => fits(o.params));
    if (complete.length < this.options.nStartupTrials) {
      const start = this.options.startup === 'sobol' ? dropInactive(space, sobolParams(space, ctx.trialNumber, ctx.seed)) : sampleSpace(space, ctx.rng);
      return firstNotPending([start], ctx.pending, space, ctx.rng);
    }
    const worst = Math.max(...complete.map((o) => o.loss));
    const pruned = prunedObservations(study)
      .filter((o) => fits(o.params))
      .map((o): Observation => ({ ...o, loss: worst }));
    const data = [...complete, ...pruned];
    const groups = featureGroups(axes);
    const conditional = isConditional(space);
    const features = (p: AxisPoint): Float64Array => toFeatures(axes, conditional ? imputeInactive(space, axes, p) : p);
    const xs = data.map((o) => features(encode(axes, o.params)));
    const y = standardize(this.options.outputWarp === 'log' ? logWarp(data.map((o) => o.loss)) : data.map((o) => o.loss));

    const fitIdx = fitSubset(y, this.options.maxFitPoints, ctx.rng);
    const prior = defaultPrior(axes.length, this.options.minNoise);
    const hyper = fitHyper(
      fitIdx.map((i) => xs[i]),
      Float64Array.from(fitIdx, (i) => y[i]),
      groups,
      prior,
      ctx.rng,
      { restarts: this.options.fitRestarts, maxIter: this.options.fitMaxIter },
    );
    let model = new GpModel(xs, y, hyper, groups);
    let best = Math.min(...y);

    const pendingPoints = ctx.pending.filter(fits).map((p) => features(encode(axes, p)));
    if (pendingPoints.length > 0) {
      // Kriging believer: conditioning on the posterior mean leaves other means unchanged, so all
      // pending points can be added at once with means from the data-only model.
      const believed = pendingPoints.map((x) => model.predict(x).mean);
      model = new GpModel([...xs, ...pendingPoints], Float64Array.from([...y, ...believed]), hyper, groups);
      best = Math.min(best, ...believed);
    }

    const anchors = [...data.keys()]
      .sort((a, b) => y[a] - y[b])
      .slice(0, 3)
      .map((i) => encode(axes, data[i].params));
    const point = maximizeLogEi(model, axes, features, best, anchors, ctx.rng, `${ctx.seed}:gp:${ctx.trialNumber}`, {
      sweep: this.options.sweep,
      refineStarts: this.options.refineStarts,
      refineEvals: this.options.refineEvals,
    });
    const proposal = decode(axes, point);
    return firstNotPending([conditional ? dropInactive(space, proposal) : proposal], ctx.pending, space, ctx.rng);
  }
}

/**
 * The point as the model sees it: params its own values leave inactive at -1 (numeric: off the
 * unit interval; categorical: no one-hot bit), active ones still at -1 (an anchor from another
 * branch) moved to 0, which is where `decode` puts them.
 */
function imputeInactive(space: Space, axes: readonly Axis[], p: AxisPoint): AxisPoint {
  const params = decode(axes, p);
  const out = Float64Array.from(p);
  axes.forEach((a, d) => {
    out[d] = isActive(space, a.name, params) ? Math.max(0, p[d]) : -1;
  });
  return out;
}

/** Numeric axes get one feature and one length scale; a categorical axis gets a one-hot block sharing one. */
export function featureGroups(axes: readonly Axis[]): FeatureGroups {
  const groupOf: number[] = [];
  axes.forEach((a, g) => {
    const width = a.kind === 'numeric' ? 1 : a.size;
    for (let k = 0; k < width; k++) groupOf.push(g);
  });
  return { features: groupOf.length, groups: axes.length, groupOf: Int32Array.from(groupOf) };
}

export function toFeatures(axes: readonly Axis[], p: AxisPoint): Float64Array {
  const width = axes.reduce((w, a) => w + (a.kind === 'numeric' ? 1 : a.size), 0);
  const out = new Float64Array(width);
  let f = 0;
  axes.forEach((a, d) => {
    if (a.kind === 'numeric') out[f++] = p[d];
    else {
      if (p[d] >= 0) out[f + p[d]] = 1;
      f += a.size;
    }
  });
  return out;
}

/** Axis point of params; absent (inactive) params become -1. */
function encode(axes: readonly Axis[], params: Params): AxisPoint {
  return Float64Array.from(axes, (a) => {
    if (!(a.name in params)) return -1;
    return a.kind === 'categorical' ? choiceIndex(a, params[a.name]) : encodeNumeric(a, params[a.name] as number);
  });
}

function decode(axes: readonly Axis[], p: AxisPoint): Params {
  const params: Params = {};
  axes.forEach((a, d) => {
    params[a.name] = a.kind === 'categorical' ? a.dim.choices[Math.max(0, p[d])] : decodeNumeric(a, p[d]);
  });
  return params;
}

/** Zero mean, unit variance (unit variance falls back to 1 when all values are equal). */
export function standardize(values: readonly number[]): Float64Array {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
  const sd = variance > 1e-300 ? Math.sqrt(variance) : 1;
  return Float64Array.from(values, (v) => (v - mean) / sd);
}

/** log1p((y - min) / scale) with scale = median gap to the minimum: monotone, scale-free. */
export function logWarp(values: readonly number[]): number[] {
  const min = Math.min(...values);
  const gaps = values.map((v) => v - min).sort((a, b) => a - b);
  const median = gaps[Math.floor(gaps.length / 2)];
  const scale = median > 0 ? median : gaps[gaps.length - 1] > 0 ? gaps[gaps.length - 1] : 1;
  return values.map((v) => Math.log1p((v - min) / scale));
}

/** Indices to fit hyperparameters on: all of them, or the best half plus a seeded sample of the rest. */
function fitSubset(y: Float64Array, max: number, rng: Rng): number[] {
  const all = [...y.keys()];
  if (all.length <= max) return all;
  const sorted = all.sort((a, b) => y[a] - y[b]);
  const keep = sorted.slice(0, Math.floor(max / 2));
  const rest = sorted.slice(Math.floor(max / 2));
  for (let i = rest.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [rest[i], rest[j]] = [rest[j], rest[i]];
  }
  return [...keep, ...rest.slice(0, max - keep.length)].sort((a, b) => a - b);
}

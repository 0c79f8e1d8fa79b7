import type { Direction, Rng, StudyView, TrialView } from '../src/core/index.ts';
import { toLoss, type Observation } from './history.ts';

/**
 * Several objectives and constraints as strategies read them. A study with `directions` has one
 * value per direction on each complete trial (`values`); constraints follow Optuna's semantics:
 * one number per constraint, <= 0 satisfied, > 0 the amount of violation.
 */

/** The study's directions: `directions` when it has several objectives, else `[direction]`. */
export function directionsOf(study: StudyView): readonly Direction[] {
  return study.directions && study.directions.length > 0 ? study.directions : [study.direction];
}

/** True when the study has two or more objectives. */
export function isMultiObjective(study: StudyView): boolean {
  return directionsOf(study).length > 1;
}

/** Sum of a trial's positive constraint values (0: feasible, or no constraints reported). */
export function violation(t: Pick<TrialView, 'constraints'>): number {
  let sum = 0;
  for (const c of t.constraints ?? []) sum += Number.isFinite(c) ? Math.max(0, c) : Number.POSITIVE_INFINITY;
  return sum;
}

/** A complete trial with every objective finite, as losses (lower is better). */
export interface VectorObservation {
  number: number;
  trial: TrialView;
  losses: number[];
}

/** Complete trials whose values are all finite (and as many as the directions), in trial-number order. */
export function vectorObservations(study: StudyView): VectorObservation[] {
  const directions = directionsOf(study);
  const out: VectorObservation[] = [];
  for (const t of study.trials) {
    if (t.state !== 'complete') continue;
    const values = directions.length > 1 ? t.values : t.value !== undefined ? [t.value] : undefined;
    if (!values || values.length !== directions.length || !values.every(Number.isFinite)) continue;
    out.push({ number: t.number, trial: t, losses: values.map((v, i) => toLoss(v, directions[i])) });
  }
  return out;
}

/**
 * Stable reorder of ranked observations (best first): feasible trials keep their order, then
 * infeasible ones by total violation (Optuna's rule: any feasible trial beats any infeasible one).
 */
export function feasibleFirst<T extends { number: number }>(ranked: readonly T[], study: StudyView): T[] {
  const byNumber = new Map(study.trials.map((t) => [t.number, violation(t)]));
  const v = (o: T): number => byNumber.get(o.number) ?? 0;
  const feasible = ranked.filter((o) => v(o) === 0);
  const infeasible = ranked.filter((o) => v(o) > 0).sort((a, b) => v(a) - v(b));
  return [...feasible, ...infeasible];
}

/**
 * One scalar loss per complete trial for single-objective models (the GP). Several objectives are
 * scalarized ParEGO-style (Knowles, "ParEGO: a hybrid algorithm with on-line landscape
 * approximation for expensive multiobjective optimization problems", IEEE TEVC 10(1), 2006):
 * losses normalized to [0, 1] per objective, a weight vector drawn uniformly from the simplex for
 * this ask, and the augmented Chebyshev function max_i(w_i f_i) + 0.05 sum_i w_i f_i, so over the
 * asks the model aims at every part of the front. Infeasible trials score worse than every
 * feasible one, ordered by their violation.
 */
export function scalarObservations(study: StudyView, rng: Rng): Observation[] {
  const obs = vectorObservations(study);
  if (obs.length === 0) return [];
  const m = obs[0].losses.length;
  let scalar: number[];
  if (m === 1) scalar = obs.map((o) => o.losses[0]);
  else {
    const lo = Array.from({ length: m }, (_, i) => Math.min(...obs.map((o) => o.losses[i])));
    const hi = Array.from({ length: m }, (_, i) => Math.max(...obs.map((o) => o.losses[i])));
    const w = simplexWeights(m, rng);
    scalar = obs.map((o) => {
      const f = o.losses.map((l, i) => (hi[i] > lo[i] ? (l - lo[i]) / (hi[i] - lo[i]) : 0));
      return Math.max(...f.map((fi, i) => w[i] * fi)) + 0.05 * f.reduce((s, fi, i) => s + w[i] * fi, 0);
    });
  }
  const feasible = obs.map((o) => violation(o.trial) === 0);
  if (feasible.some((f) => !f)) {
    const finite = scalar.filter((_, i) => feasible[i]);
    const worst = finite.length ? Math.max(...finite) : 0;
    const spread = finite.length ? worst - Math.min(...finite) || 1 : 1;
    const maxViolation = Math.max(...obs.map((o) => Math.min(violation(o.trial), Number.MAX_VALUE)));
    scalar = scalar.map((s, i) => (feasible[i] ? s : worst + spread * (1 + Math.min(violation(obs[i].trial), Number.MAX_VALUE) / maxViolation)));
  }
  return obs.map((o, i) => ({ number: o.number, params: o.trial.params, loss: scalar[i], state: 'complete' }));
}

/** A uniform draw from the (m-1)-simplex: normalized exponentials. */
function simplexWeights(m: number, rng: Rng): number[] {
  const e = Array.from({ length: m }, () => -Math.log(Math.max(1e-300, rng())));
  const sum = e.reduce((s, x) => s + x, 0);
  return e.map((x) => x / sum);
}

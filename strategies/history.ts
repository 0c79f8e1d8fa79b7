import type { Direction, Params, Rng, Space, StudyView, TrialView } from '../src/core/index.ts';
import { sampleSpace } from '../src/space/index.ts';

/** A finished trial a model can learn from; `loss` is in minimization sense and finite. */
export interface Observation {
  number: number;
  params: Params;
  loss: number;
  state: 'complete' | 'pruned';
}

/** The study's objective turned into a loss (lower is better). */
export function toLoss(value: number, direction: Direction): number {
  return direction === 'maximize' ? -value : value;
}

/** Complete trials with a finite value, as losses, in trial-number order. Failed and non-finite trials are ignored. */
export function completeObservations(study: StudyView): Observation[] {
  const out: Observation[] = [];
  for (const t of study.trials) {
    if (t.state === 'complete' && t.value !== undefined && Number.isFinite(t.value)) {
      out.push({ number: t.number, params: t.params, loss: toLoss(t.value, study.direction), state: 'complete' });
    }
  }
  return out;
}

/** Pruned trials with a finite last intermediate value (as a loss), in trial-number order. */
export function prunedObservations(study: StudyView): Observation[] {
  const out: Observation[] = [];
  for (const t of study.trials) {
    const last = lastFinite(t);
    if (t.state === 'pruned' && last !== undefined) out.push({ number: t.number, params: t.params, loss: toLoss(last, study.direction), state: 'pruned' });
  }
  return out;
}

/**
 * Usable trials best first: complete trials by loss, then pruned trials by the loss of their
 * last intermediate value. A pruned trial never outranks a complete one: it was stopped because
 * it looked worse than its peers, and its partial value is not comparable to a final one.
 */
export function rankedObservations(study: StudyView): Observation[] {
  const byLoss = (a: Observation, b: Observation): number => a.loss - b.loss || a.number - b.number;
  return [...completeObservations(study).sort(byLoss), ...prunedObservations(study).sort(byLoss)];
}

function lastFinite(t: TrialView): number | undefined {
  const last = t.intermediate.at(-1)?.value;
  return last !== undefined && Number.isFinite(last) ? last : undefined;
}

/** Key of a params map that ignores key order, for "same params as a running trial" checks. */
export function paramsKey(params: Params): string {
  return JSON.stringify(Object.keys(params).sort().map((k) => [k, params[k]]));
}

/**
 * Returns the first of `ranked` (best first) that no running trial already holds, so two
 * running trials never share params. Rounding to ints, steps or the bounds can map different
 * proposals onto one value, and a categorical space has few values, so this is not rare there.
 * When every ranked proposal is taken, draws uniformly from the space (at most 64 times, from
 * `rng`); if the space has no free point left, returns the best proposal anyway.
 */
export function firstNotPending(ranked: readonly Params[], pending: readonly Params[], space: Space, rng: Rng): Params {
  if (pending.length === 0) return ranked[0];
  const taken = new Set(pending.map(paramsKey));
  const free = ranked.find((p) => !taken.has(paramsKey(p)));
  if (free !== undefined) return free;
  for (let i = 0; i < 64; i++) {
    const p = sampleSpace(space, rng);
    if (!taken.has(paramsKey(p))) return p;
  }
  return ranked[0];
}

import type { Direction, Params, StudyView, TrialView } from '../src/core/index.ts';

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

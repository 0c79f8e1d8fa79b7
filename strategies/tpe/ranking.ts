import type { StudyView, TrialView } from '../../src/core/index.ts';
import { completeObservations, toLoss, type Observation } from '../history.ts';

/**
 * How TPE ranks pruned trials against complete ones before the good / bad split. In every rule
 * complete trials are ranked by their final value, failed, running and non-finite trials are
 * ignored, and a pruned trial takes part only with a finite last intermediate value.
 * - `last-value`: pruned trials below every complete trial, by their last intermediate value.
 * - `deepest`: pruned trials below every complete trial, by the last step they reached (deeper
 *   first), then by the value at that step. This is the rule of Optuna's TPESampler.
 * - `same-epoch`: a pruned trial that stopped at step e is compared with the complete trials that
 *   reported step e, by their values at e. With k of them at least as good (ties count against the
 *   pruned trial), it takes the k-th best of their final values (rank matching) and is ranked just
 *   after the complete trials with that value, so it may sit between complete trials: it needed to
 *   beat what they had at the same epoch, not their final values.
 * - `epoch-rank`: pruned trials below every complete trial, by the fraction of comparable complete
 *   trials at least as good at the same step (as in `same-epoch`), then deeper first.
 * - `bad-only`: as `deepest`, but pruned trials never enter the good set while a complete trial
 *   exists (see {@link splitGoodBad}).
 * Under `same-epoch` and `epoch-rank` a pruned trial without comparable complete trials (none
 * reported its step) goes below all others, deeper first.
 */
export type PrunedRule = 'last-value' | 'deepest' | 'same-epoch' | 'epoch-rank' | 'bad-only';

export interface RankedObservation extends Observation {
  /** Last step a pruned trial reported; +Infinity for complete trials (they ran to the end). */
  depth: number;
}

/** Usable trials, best first, under `rule`. Pure: reads only the study view. */
export function rankTrials(study: StudyView, rule: PrunedRule): RankedObservation[] {
  const complete = completeObservations(study).map((o): RankedObservation => ({ ...o, depth: Number.POSITIVE_INFINITY }));
  complete.sort(byLoss);
  const pruned = study.trials.filter((t) => t.state === 'pruned' && lastFinite(t) !== undefined);
  if (rule === 'same-epoch' || rule === 'epoch-rank') return rankByEpoch(study, complete, pruned, rule);
  const tail = pruned.map((t) => prunedObservation(t, study));
  tail.sort(rule === 'last-value' ? byLoss : byDepth);
  return [...complete, ...tail];
}

/**
 * Splits ranked observations (best first) into the good set, the best
 * max(1, min(ceil(gamma n), maxGood)), and the bad set, both in trial-number order (the recency
 * weights rely on it). Under `bad-only` the good set also holds at most the complete trials,
 * unless there are none.
 */
export function splitGoodBad(ranked: readonly RankedObservation[], gamma: number, maxGood: number, rule: PrunedRule): { good: RankedObservation[]; bad: RankedObservation[] } {
  let n = Math.min(Math.ceil(gamma * ranked.length), maxGood);
  if (rule === 'bad-only') {
    const complete = ranked.filter((o) => o.state === 'complete').length;
    if (complete > 0) n = Math.min(n, complete);
  }
  n = Math.max(1, n);
  const byNumber = (a: Observation, b: Observation) => a.number - b.number;
  return { good: ranked.slice(0, n).sort(byNumber), bad: ranked.slice(n).sort(byNumber) };
}

/** `same-epoch` and `epoch-rank`: pruned trials placed by their rank among complete trials at the same step. */
function rankByEpoch(study: StudyView, complete: RankedObservation[], pruned: readonly TrialView[], rule: 'same-epoch' | 'epoch-rank'): RankedObservation[] {
  const peersByStep = completeValuesByStep(study, complete);
  const matched: Array<{ obs: RankedObservation; imputed: number; beaten: number }> = [];
  const unmatched: RankedObservation[] = [];
  for (const t of pruned) {
    const obs = prunedObservation(t, study);
    const peers = peersByStep.get(obs.depth);
    if (peers === undefined) {
      unmatched.push(obs);
      continue;
    }
    const k = peers.filter((p) => p.at <= obs.loss).length;
    const finals = peers.map((p) => p.final).sort((a, b) => a - b);
    matched.push({ obs, imputed: finals[Math.min(k, finals.length - 1)], beaten: k / peers.length });
  }
  unmatched.sort(byDepth);
  const byRank = (a: (typeof matched)[number], b: (typeof matched)[number]) => a.beaten - b.beaten || byDepth(a.obs, b.obs);
  if (rule === 'epoch-rank') return [...complete, ...matched.sort(byRank).map((m) => m.obs), ...unmatched];
  // Merge: by imputed loss; a complete trial goes before pruned ones of equal loss.
  const merged = [...complete.map((obs) => ({ obs, imputed: obs.loss, beaten: -1 })), ...matched];
  merged.sort((a, b) => a.imputed - b.imputed || byRank(a, b) || a.obs.number - b.obs.number);
  return [...merged.map((m) => m.obs), ...unmatched];
}

/** Step -> (loss at that step, final loss) of every complete trial that reported a finite value there. */
function completeValuesByStep(study: StudyView, complete: readonly RankedObservation[]): Map<number, Array<{ at: number; final: number }>> {
  const finals = new Map(complete.map((o) => [o.number, o.loss]));
  const out = new Map<number, Array<{ at: number; final: number }>>();
  for (const t of study.trials) {
    const final = finals.get(t.number);
    if (final === undefined) continue;
    for (const { step, value } of t.intermediate) {
      if (!Number.isFinite(value)) continue;
      let list = out.get(step);
      if (list === undefined) out.set(step, (list = []));
      list.push({ at: toLoss(value, study.direction), final });
    }
  }
  return out;
}

const byLoss = (a: RankedObservation, b: RankedObservation): number => a.loss - b.loss || a.number - b.number;
const byDepth = (a: RankedObservation, b: RankedObservation): number => b.depth - a.depth || byLoss(a, b);

/** A pruned trial as an observation: loss and depth of its last intermediate value (checked finite by the caller). */
function prunedObservation(t: TrialView, study: StudyView): RankedObservation {
  const last = t.intermediate.at(-1)!;
  return { number: t.number, params: t.params, loss: toLoss(last.value, study.direction), state: 'pruned', depth: last.step };
}

function lastFinite(t: TrialView): { step: number; value: number } | undefined {
  const last = t.intermediate.at(-1);
  return last !== undefined && Number.isFinite(last.value) ? last : undefined;
}

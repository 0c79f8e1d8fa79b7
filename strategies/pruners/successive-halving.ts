/**
 * Asynchronous successive halving, the rule shared by the ASHA and Hyperband pruners.
 * Source: Li et al., "A System for Massively Parallel Hyperparameter Tuning" (MLSys 2020), with
 * the promotion rule Optuna's SuccessiveHalvingPruner uses when trials cannot be paused.
 *
 * Rung k sits at `minResource * eta^(minEarlyStoppingRate + k)` epochs. A trial's value at a rung
 * is the value it reported when it first reached the rung. When a trial's latest report reaches a
 * rung, it continues only if that value is in the top `floor(n / eta)` of the `n` trials (itself
 * included) that reached the rung; while `n < eta` it must be the best of them (nobody can be
 * paused and promoted later, so the first trials are compared greedily).
 *
 * Stateless by construction: a rung is judged only at the report that crosses it, using the
 * other trials' values at that rung as the view shows them now. A trial that passed a rung is never
 * re-judged there, so a later, better trial cannot retroactively prune it.
 */
import type { Direction, PruneVerdict, TrialView } from '../../src/core/index.ts';
import { epochsAt, fmt, type Point } from './common.ts';

export interface HalvingOptions {
  /** Epochs at the first rung (before the early-stopping rate is applied). */
  minResource: number;
  /** eta: each rung keeps the top 1/eta. Must be > 1. */
  reductionFactor: number;
  /** Shifts every rung up by this many powers of eta (Hyperband's bracket index). */
  minEarlyStoppingRate: number;
  /** A rung promotes everyone until this many trials (the candidate included) have reached it. */
  bootstrapCount: number;
  /** Rungs at or beyond this many epochs are skipped: pruning a finished run saves nothing. */
  maxResource?: number;
}

/** Epochs at rung `k`. */
export function rungEpochs(options: HalvingOptions, k: number): number {
  return options.minResource * options.reductionFactor ** (options.minEarlyStoppingRate + k);
}

/** The value a series had when it first reached `epochs` of training, or undefined. */
export function valueAtRung(points: readonly Point[], epochs: number): number | undefined {
  for (const p of points) if (epochsAt(p.step) >= epochs) return p.value;
  return undefined;
}

/**
 * Whether `own` is promotable among `values` (which include it): in the top floor(n/eta),
 * or the best when n < eta. Ties promote.
 */
export function isPromotable(own: number, values: readonly number[], eta: number, direction: Direction): boolean {
  const keep = Math.max(1, Math.floor(values.length / eta));
  const sorted = [...values].sort((a, b) => (direction === 'maximize' ? b - a : a - b));
  const cut = sorted[keep - 1];
  return direction === 'maximize' ? own >= cut : own <= cut;
}

/**
 * The successive-halving verdict for `trial` among `peers` (the trials it competes with; it may
 * be among them). `where` is appended to the reason, e.g. ` in bracket 2`.
 */
export function halvingVerdict(
  peers: readonly TrialView[],
  trial: TrialView,
  direction: Direction,
  options: HalvingOptions,
  where = '',
): PruneVerdict {
  const points = trial.intermediate;
  const last = points.at(-1);
  if (!last) return { prune: false };
  const now = epochsAt(last.step);
  const before = points.length > 1 ? epochsAt(points[points.length - 2].step) : 0;
  for (let k = 0; ; k++) {
    const rung = rungEpochs(options, k);
    if (rung > now || (options.maxResource !== undefined && rung >= options.maxResource)) return { prune: false };
    if (rung <= before) continue; // judged at an earlier report
    if (!Number.isFinite(last.value)) return { prune: true, reason: `pruned at epoch ${last.step}: reported ${last.value}` };
    const values = [last.value];
    for (const t of peers) {
      if (t.id === trial.id || t.state === 'failed') continue;
      const v = valueAtRung(t.intermediate, rung);
      if (v !== undefined && Number.isFinite(v)) values.push(v);
    }
    if (values.length < options.bootstrapCount) continue;
    if (isPromotable(last.value, values, options.reductionFactor, direction)) continue;
    const keep = Math.floor(values.length / options.reductionFactor);
    const rule = keep >= 1 ? `not in the top ${keep} of ${values.length} trials` : `not the best of ${values.length} trials`;
    const cut = [...values].sort((a, b) => (direction === 'maximize' ? b - a : a - b))[Math.max(1, keep) - 1];
    return {
      prune: true,
      reason: `pruned at epoch ${last.step}: ${fmt(last.value)} at the ${fmt(rung)}-epoch rung${where} is ${rule} (needs ${direction === 'maximize' ? '>=' : '<='} ${fmt(cut)})`,
    };
  }
}

import type { PruneVerdict, Pruner, StudyView, TrialView } from '../../src/core/index.ts';
import { bestOf, check, fmt, ordinal, percentileOf, valueAtStep, type Point } from './common.ts';

/** Options of the percentile pruner; steps are 0-based epoch indices. */
export interface PercentileOptions {
  /** Keep the top `percentile`% of trials at each step (0-100); 50 is the median pruner. */
  percentile: number;
  /** No pruning until this many trials have completed. Default 5. */
  nStartupTrials?: number;
  /** No pruning at steps below this (the first `nWarmupSteps` epochs). Default 5. */
  nWarmupSteps?: number;
  /** Decide only once per this many steps after warm-up. Default 1. */
  intervalSteps?: number;
  /** Decide only when at least this many completed trials reported the same step. Default 1. */
  nMinTrials?: number;
}

/**
 * Prunes a trial whose best value so far is worse than the given percentile of the values that
 * completed trials reported at the same step (Optuna's PercentilePruner rule). Pure: every call
 * reads the study view, so any number of controllers agree.
 */
export class PercentilePruner implements Pruner {
  readonly name: string = 'percentile';
  readonly percentile: number;
  readonly nStartupTrials: number;
  readonly nWarmupSteps: number;
  readonly intervalSteps: number;
  readonly nMinTrials: number;

  constructor(options: PercentileOptions) {
    this.percentile = options.percentile;
    this.nStartupTrials = options.nStartupTrials ?? 5;
    this.nWarmupSteps = options.nWarmupSteps ?? 5;
    this.intervalSteps = options.intervalSteps ?? 1;
    this.nMinTrials = options.nMinTrials ?? 1;
    const p = this.percentile;
    check(Number.isFinite(p) && p >= 0 && p <= 100, 'percentile', 'percentile', 'between 0 and 100', p);
    check(isCount(this.nStartupTrials, 0), 'percentile', 'nStartupTrials', 'an integer >= 0', this.nStartupTrials);
    check(isCount(this.nWarmupSteps, 0), 'percentile', 'nWarmupSteps', 'an integer >= 0', this.nWarmupSteps);
    check(isCount(this.intervalSteps, 1), 'percentile', 'intervalSteps', 'an integer >= 1', this.intervalSteps);
    check(isCount(this.nMinTrials, 1), 'percentile', 'nMinTrials', 'an integer >= 1', this.nMinTrials);
  }

  shouldPrune(study: StudyView, trial: TrialView): PruneVerdict {
    const points = trial.intermediate;
    const last = points.at(-1);
    if (!last || last.step < this.nWarmupSteps || !this.isFirstInInterval(points)) return { prune: false };
    const completed = study.trials.filter((t) => t.state === 'complete' && t.id !== trial.id);
    if (completed.length === 0 || completed.length < this.nStartupTrials) return { prune: false };
    if (!Number.isFinite(last.value)) return { prune: true, reason: `pruned at epoch ${last.step}: reported ${last.value}` };

    const own = bestOf(points, study.direction)!;
    const others: number[] = [];
    for (const t of completed) {
      const v = valueAtStep(t.intermediate, last.step);
      if (v !== undefined && Number.isFinite(v)) others.push(v);
    }
    if (others.length < this.nMinTrials) return { prune: false };
    others.sort((a, b) => a - b);
    // Keeping the top p% means the cut sits at the (100 - p)th percentile when larger is better.
    const maximize = study.direction === 'maximize';
    const cut = percentileOf(others, maximize ? 100 - this.percentile : this.percentile);
    const worse = maximize ? own < cut : own > cut;
    if (!worse) return { prune: false };
    const label = this.percentile === 50 ? 'median' : `the top-${fmt(this.percentile)}% cut`;
    const n = `${others.length} completed trial${others.length === 1 ? '' : 's'}`;
    const of = this.percentile === 50 ? `of ${n}` : `(${ordinal(Math.round(maximize ? 100 - this.percentile : this.percentile))} percentile of ${n})`;
    return {
      prune: true,
      reason: `pruned at epoch ${last.step}: ${fmt(own)} ${maximize ? 'below' : 'above'} ${label} ${fmt(cut)} ${of} at that epoch`,
    };
  }

  /**
   * True when the last report is the first one at or after the current interval mark, so a
   * trial that skips steps is still checked once per interval (Optuna's rule).
   */
  private isFirstInInterval(points: readonly Point[]): boolean {
    const step = points[points.length - 1].step;
    const mark = Math.floor((step - this.nWarmupSteps) / this.intervalSteps) * this.intervalSteps + this.nWarmupSteps;
    const previous = points.length > 1 ? points[points.length - 2].step : -1;
    return previous < mark;
  }
}

/** Options of the median pruner: the percentile options without `percentile`. */
export type MedianOptions = Omit<PercentileOptions, 'percentile'>;

/** The percentile pruner at 50: prunes a trial worse than the median of completed trials. */
export class MedianPruner implements Pruner {
  readonly name = 'median';
  private readonly inner: PercentilePruner;

  constructor(options: MedianOptions = {}) {
    this.inner = new PercentilePruner({ ...options, percentile: 50 });
  }

  shouldPrune(study: StudyView, trial: TrialView): PruneVerdict {
    return this.inner.shouldPrune(study, trial);
  }
}

function isCount(x: number, min: number): boolean {
  return Number.isInteger(x) && x >= min;
}

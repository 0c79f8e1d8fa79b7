/**
 * The learning-curve extrapolation pruner.
 * Source: Domhan, Springenberg, Hutter, "Speeding up Automatic Hyperparameter Optimization of Deep
 * Neural Networks by Extrapolation of Learning Curves" (IJCAI 2015): predict a running trial's final
 * value from its curve so far, stop it when it is unlikely to beat the best finished trial.
 *
 * Where Domhan et al. get the uncertainty from MCMC over the model, this pruner measures it on the
 * study itself: every completed trial is a worked example of "what did the extrapolation say at
 * epoch k, and where did the trial really end?". A running trial at epoch k is pruned when its
 * prediction plus the `confidence` quantile of those errors at the same k is still below the value
 * it would need to end among the study's best trials (`keepTop`). Curves that cross (a fast starter heading for a low plateau, a slow starter
 * still climbing) are exactly where extrapolation beats comparing raw values at the same epoch.
 *
 * Pure: reads only the study view. Fits are memoized on the prefix values (a pure function of
 * them), so the cache changes speed, never answers.
 */
import type { PruneVerdict, Pruner, StudyView, TrialView } from '../../src/core/index.ts';
import { check, epochsAt, fmt, ordinal, percentileOf, type Point } from './common.ts';
import { extrapolate } from './curve-fit.ts';

/** Options of the curve pruner, in epochs. */
export interface CurveOptions {
  /** No pruning before this many epochs of a trial. Default 4 (measured: bench/pruning.ts). */
  minEpochs?: number;
  /** Epochs of a full run; default: the longest series among completed trials. */
  maxEpochs?: number;
  /** Completed trials needed before any pruning (they calibrate the predictions). Default 5. */
  nStartupTrials?: number;
  /**
   * Quantile (0-1) of the completed trials' prediction errors added to a prediction before it is
   * compared: higher prunes less; 1 takes the largest error seen. Default 1 (measured: bench/pruning.ts).
   */
  confidence?: number;
  /**
   * Share (0-1) of the finished trials a trial may still end among to run on: it is compared with
   * the k-th best completed value, k = ceil(keepTop * finished). 0 compares with the best only.
   * Default 0.2 (measured: bench/pruning.ts; keeping the study's top trials complete keeps a
   * model-based strategy such as TPE informed by final values rather than early ones).
   */
  keepTop?: number;
}

export class CurvePruner implements Pruner {
  readonly name = 'curve';
  readonly minEpochs: number;
  readonly maxEpochs: number | undefined;
  readonly nStartupTrials: number;
  readonly confidence: number;
  readonly keepTop: number;

  constructor(options: CurveOptions = {}) {
    this.minEpochs = options.minEpochs ?? 4;
    this.maxEpochs = options.maxEpochs;
    this.nStartupTrials = options.nStartupTrials ?? 5;
    this.confidence = options.confidence ?? 1;
    this.keepTop = options.keepTop ?? 0.2;
    check(Number.isInteger(this.minEpochs) && this.minEpochs >= 1, 'curve', 'minEpochs', 'an integer >= 1', this.minEpochs);
    if (this.maxEpochs !== undefined) {
      check(Number.isInteger(this.maxEpochs) && this.maxEpochs >= this.minEpochs, 'curve', 'maxEpochs', `an integer >= minEpochs (${this.minEpochs})`, this.maxEpochs);
    }
    check(Number.isInteger(this.nStartupTrials) && this.nStartupTrials >= 1, 'curve', 'nStartupTrials', 'an integer >= 1', this.nStartupTrials);
    check(Number.isFinite(this.confidence) && this.confidence >= 0 && this.confidence <= 1, 'curve', 'confidence', 'between 0 and 1', this.confidence);
    check(Number.isFinite(this.keepTop) && this.keepTop >= 0 && this.keepTop <= 1, 'curve', 'keepTop', 'between 0 and 1', this.keepTop);
  }

  shouldPrune(study: StudyView, trial: TrialView): PruneVerdict {
    const last = trial.intermediate.at(-1);
    if (!last || epochsAt(last.step) < this.minEpochs) return { prune: false };
    if (!Number.isFinite(last.value)) return { prune: true, reason: `pruned at epoch ${last.step}: reported ${last.value}` };
    const sign = study.direction === 'maximize' ? 1 : -1;
    const completed = study.trials.filter(
      (t) => t.state === 'complete' && t.id !== trial.id && Number.isFinite(t.value) && t.intermediate.length > 0,
    );
    if (completed.length < this.nStartupTrials) return { prune: false };
    const horizon = this.maxEpochs ?? Math.max(...completed.map((t) => epochsAt(t.intermediate.at(-1)!.step)));
    if (epochsAt(last.step) >= horizon) return { prune: false };

    const predicted = predictAt(trial.intermediate, last.step, horizon, sign);
    // Calibration: each completed trial's prediction from its own prefix up to this step, vs its value.
    const errors: number[] = [];
    for (const t of completed) {
      if (t.intermediate[0].step > last.step || epochsAt(t.intermediate.at(-1)!.step) < horizon) continue;
      errors.push(sign * t.value! - predictAt(t.intermediate, last.step, horizon, sign));
    }
    if (errors.length < this.nStartupTrials) return { prune: false };
    errors.sort((a, b) => a - b);
    const optimistic = predicted + percentileOf(errors, 100 * this.confidence);
    // The k-th best completed value, k = the keepTop share of finished trials: a trial that may still
    // end among them runs on, so the best trials of the study are known by their final values.
    const finals = completed.map((t) => sign * t.value!).sort((a, b) => b - a);
    const finished = study.trials.filter((t) => t.id !== trial.id && (t.state === 'complete' || t.state === 'pruned')).length;
    const rank = Math.min(finals.length, Math.max(1, Math.ceil(this.keepTop * finished)));
    const target = finals[rank - 1];
    if (optimistic >= target) return { prune: false };
    const what = rank === 1 ? 'the best completed value' : `the ${ordinal(rank)} best completed value (top ${fmt(100 * this.keepTop)}% of ${finished} finished trials)`;
    return {
      prune: true,
      reason:
        `pruned at epoch ${last.step}: extrapolated to ${fmt(sign * predicted)} at epoch ${horizon - 1}, ` +
        `${fmt(sign * optimistic)} at ${fmt(100 * this.confidence)}% confidence (${errors.length} completed trials), ` +
        `${sign > 0 ? 'below' : 'above'} ${what} ${fmt(sign * target)}`,
    };
  }
}

/** Memo of fits keyed by horizon and prefix values; bounded, and only ever a speed-up. */
const memo = new Map<string, number>();
const MEMO_LIMIT = 50_000;

/** Oriented (larger is better) extrapolation at `horizon` epochs of the points up to `step`. */
export function predictAt(points: readonly Point[], step: number, horizon: number, sign: 1 | -1): number {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const p of points) {
    if (p.step > step) break;
    if (!Number.isFinite(p.value)) continue;
    xs.push(epochsAt(p.step));
    ys.push(sign * p.value);
  }
  const key = `${horizon}|${xs.join(',')}|${ys.join(',')}`;
  const hit = memo.get(key);
  if (hit !== undefined) return hit;
  const value = xs.length === 0 ? -Infinity : extrapolate(xs, ys, horizon);
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, value);
  return value;
}


/**
 * Hyperband as brackets of asynchronous successive halving.
 * Source: Li et al., "Hyperband: A Novel Bandit-Based Approach to Hyperparameter Optimization"
 * (JMLR 2018), Algorithm 1, in the asynchronous form Optuna's HyperbandPruner uses.
 *
 * With R = maxEpochs / minEpochs there are `floor(log_eta R) + 1` brackets. Bracket b runs
 * successive halving with its first rung at `minEpochs * eta^b`: bracket 0 prunes hardest, the last
 * one barely at all, which hedges against curves that cross. Bracket b (s = nBrackets - 1 - b in the
 * paper's notation) receives a share of trials proportional to `ceil(nBrackets * eta^s / (s + 1))`,
 * the paper's `n` per bracket. A trial's bracket is a fixed hash of its number, so every controller
 * agrees without storing it; trials compete only within their bracket.
 */
import type { PruneVerdict, Pruner, StudyView, TrialView } from '../../src/core/index.ts';
import { checkHalving } from './asha.ts';
import { check } from './common.ts';
import { halvingVerdict, type HalvingOptions } from './successive-halving.ts';

export interface HyperbandOptions {
  /** Epochs at the first rung of the most aggressive bracket. Default 3 (measured: bench/pruning.ts). */
  minEpochs?: number;
  /** Epochs of a full run. */
  maxEpochs: number;
  /** eta. Default 3. */
  reductionFactor?: number;
  /** Passed to every bracket's successive halving. Default 0. */
  bootstrapCount?: number;
}

export class HyperbandPruner implements Pruner {
  readonly name = 'hyperband';
  readonly minEpochs: number;
  readonly maxEpochs: number;
  readonly reductionFactor: number;
  readonly bootstrapCount: number;
  /** Trial share of each bracket, index = bracket. */
  readonly budgets: readonly number[];
  private readonly totalBudget: number;

  constructor(options: HyperbandOptions) {
    this.minEpochs = options.minEpochs ?? 3;
    this.maxEpochs = options.maxEpochs;
    this.reductionFactor = options.reductionFactor ?? 3;
    this.bootstrapCount = options.bootstrapCount ?? 0;
    check(Number.isInteger(this.maxEpochs) && this.maxEpochs >= 1, 'hyperband', 'maxEpochs', 'an integer >= 1', this.maxEpochs);
    checkHalving('hyperband', this.bracketOptions(0));
    const n = Math.floor(Math.log(this.maxEpochs / this.minEpochs) / Math.log(this.reductionFactor) + 1e-9) + 1;
    this.budgets = Array.from({ length: n }, (_, b) => {
      const s = n - 1 - b;
      return Math.ceil((n * this.reductionFactor ** s) / (s + 1));
    });
    this.totalBudget = this.budgets.reduce((a, b) => a + b, 0);
  }

  get nBrackets(): number {
    return this.budgets.length;
  }

  /** The bracket of trial `number`: a hash of the number, spread by the bracket budgets. */
  bracketOf(number: number): number {
    let slot = mix32(number) % this.totalBudget;
    for (let b = 0; b < this.budgets.length; b++) {
      slot -= this.budgets[b];
      if (slot < 0) return b;
    }
    return this.budgets.length - 1; // unreachable: slot < totalBudget
  }

  shouldPrune(study: StudyView, trial: TrialView): PruneVerdict {
    const bracket = this.bracketOf(trial.number);
    const peers = study.trials.filter((t) => this.bracketOf(t.number) === bracket);
    const where = ` of bracket ${bracket}/${this.nBrackets}`;
    return halvingVerdict(peers, trial, study.direction, this.bracketOptions(bracket), where);
  }

  private bracketOptions(bracket: number): HalvingOptions {
    return {
      minResource: this.minEpochs,
      reductionFactor: this.reductionFactor,
      minEarlyStoppingRate: bracket,
      bootstrapCount: this.bootstrapCount,
      maxResource: this.maxEpochs,
    };
  }
}

/** murmur3's 32-bit finalizer: consecutive trial numbers land in unrelated slots. */
function mix32(x: number): number {
  let h = (x ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

import type { PruneVerdict, Pruner, StudyView, TrialView } from '../../src/core/index.ts';
import { check } from './common.ts';
import { halvingVerdict, type HalvingOptions } from './successive-halving.ts';

/** Options of the ASHA pruner, in epochs. */
export interface AshaOptions {
  /** Epochs before the first rung. Default 2 (measured: bench/pruning.ts). */
  minEpochs?: number;
  /** eta: a rung keeps the top 1/eta of the trials that reached it. Default 2. */
  reductionFactor?: number;
  /** Start the rungs at minEpochs * eta^rate. Default 0. */
  minEarlyStoppingRate?: number;
  /** A rung promotes everyone until this many trials have reached it. Default 0. */
  bootstrapCount?: number;
  /** Epochs of a full run, when known: no rung at or beyond it. */
  maxEpochs?: number;
}

/**
 * Asynchronous successive halving over all trials of the study (see successive-halving.ts).
 * Pure: rung values are read back from each trial's intermediate series on every call.
 */
export class AshaPruner implements Pruner {
  readonly name = 'asha';
  readonly options: Readonly<HalvingOptions>;

  constructor(options: AshaOptions = {}) {
    this.options = {
      minResource: options.minEpochs ?? 2,
      reductionFactor: options.reductionFactor ?? 2,
      minEarlyStoppingRate: options.minEarlyStoppingRate ?? 0,
      bootstrapCount: options.bootstrapCount ?? 0,
      maxResource: options.maxEpochs,
    };
    checkHalving('asha', this.options);
  }

  shouldPrune(study: StudyView, trial: TrialView): PruneVerdict {
    return halvingVerdict(study.trials, trial, study.direction, this.options);
  }
}

/** Constructor checks shared with Hyperband; messages name the option and the value. */
export function checkHalving(pruner: string, o: HalvingOptions): void {
  check(Number.isInteger(o.minResource) && o.minResource >= 1, pruner, 'minEpochs', 'an integer >= 1', o.minResource);
  check(Number.isFinite(o.reductionFactor) && o.reductionFactor > 1, pruner, 'reductionFactor', '> 1 (try 3)', o.reductionFactor);
  check(Number.isInteger(o.minEarlyStoppingRate) && o.minEarlyStoppingRate >= 0, pruner, 'minEarlyStoppingRate', 'an integer >= 0', o.minEarlyStoppingRate);
  check(Number.isInteger(o.bootstrapCount) && o.bootstrapCount >= 0, pruner, 'bootstrapCount', 'an integer >= 0', o.bootstrapCount);
  if (o.maxResource !== undefined) {
    check(Number.isInteger(o.maxResource) && o.maxResource >= o.minResource, pruner, 'maxEpochs', `an integer >= minEpochs (${o.minResource})`, o.maxResource);
  }
}

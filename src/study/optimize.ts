import { TrialStoppedError, createRng, type Direction, type Params, type Pruner, type Space, type Strategy, type StudyView, type TrialView } from '../core/index.ts';
import { spaceSchema } from '../space/index.ts';
import { createStrategy, strategySchema, type StrategyInput } from '../../strategies/index.ts';
import { createPruner, prunerSchema, type PrunerInput } from '../../strategies/pruners/index.ts';
import { rankTrials } from './ranking.ts';
import { parseOrThrow } from '../core/parse-input.ts';

/** What an in-process objective receives besides its params (Optuna's `trial`). */
export interface TrialHandle {
  readonly number: number;
  readonly params: Params;
  /** Records the objective's intermediate value at `step` (an epoch). */
  report(step: number, value: number): void;
  /** True when the pruner says this trial should stop now; then throw `new TrialPruned()`. */
  shouldPrune(): boolean;
}

/** Throw from an objective to end the trial as pruned (keeps its reported values). */
export class TrialPruned extends TrialStoppedError {
  constructor(reason = 'pruned') {
    super(reason);
    this.name = 'TrialPruned';
  }
}

export interface OptimizeOptions {
  space: Space;
  direction: Direction;
  objective: (params: Params, trial: TrialHandle) => number | Promise<number>;
  /** A strategy config (`{ type: 'tpe' }`) or an instance. Default: `auto`. */
  strategy?: StrategyInput | Strategy;
  pruner?: PrunerInput | Pruner;
  trials: number;
  /** Trials in flight at once (the strategy sees the others as pending). Default 1. */
  concurrency?: number;
  seed?: number;
}

export interface OptimizeTrial extends TrialView {
  error?: string;
}

export interface OptimizeResult {
  /** Ranked best first (see rankTrials). */
  trials: OptimizeTrial[];
  best?: OptimizeTrial;
  /** In creation order, for regret curves. */
  history: OptimizeTrial[];
}

/**
 * Runs a study in this process. The strategy and pruner see the same StudyView shape the
 * distributed controller builds from the store, so results transfer.
 */
export async function optimize(options: OptimizeOptions): Promise<OptimizeResult> {
  const space = parseOrThrow(spaceSchema, options.space, 'space') as Space;
  const seed = options.seed ?? (isStrategy(options.strategy) ? undefined : options.strategy?.seed) ?? 0;
  const strategy = isStrategy(options.strategy)
    ? options.strategy
    : createStrategy(parseOrThrow(strategySchema, options.strategy ?? { type: 'auto' }, 'strategy'));
  const pruner = isPruner(options.pruner)
    ? options.pruner
    : createPruner(parseOrThrow(prunerSchema, options.pruner ?? { type: 'none' }, 'pruner'));
  const concurrency = Math.max(1, options.concurrency ?? 1);
  if (!Number.isInteger(options.trials) || options.trials < 1) {
    throw new RangeError(`optimize: trials must be an integer >= 1, got ${options.trials}`);
  }
  const history: OptimizeTrial[] = [];
  const view: StudyView = { space, direction: options.direction, trials: history };

  const runOne = async (): Promise<void> => {
    const number = history.length;
    const pending = history.filter((t) => t.state === 'running').map((t) => t.params);
    const params = strategy.ask(view, { rng: createRng(seed, `trial:${number}`), seed, trialNumber: number, pending });
    const trial: OptimizeTrial = { number, id: String(number), params, state: 'running', intermediate: [] };
    history.push(trial);
    const handle: TrialHandle = {
      number,
      params,
      report: (step, value) => {
        (trial.intermediate as { step: number; value: number }[]).push({ step, value });
      },
      shouldPrune: () => pruner.shouldPrune(view, trial).prune,
    };
    try {
      const value = await options.objective(params, handle);
      trial.value = value;
      trial.state = 'complete';
    } catch (error) {
      if (error instanceof TrialStoppedError) trial.state = 'pruned';
      else {
        trial.state = 'failed';
        trial.error = error instanceof Error ? error.message : String(error);
      }
    }
  };

  let started = 0;
  const lane = async (): Promise<void> => {
    while (started < options.trials) {
      started++;
      await runOne();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, options.trials) }, lane));
  const trials = rankTrials(history, options.direction);
  return { trials, best: trials.find((t) => t.state === 'complete' && Number.isFinite(t.value)), history };
}

function isStrategy(x: unknown): x is Strategy {
  return typeof (x as Strategy | undefined)?.ask === 'function';
}
function isPruner(x: unknown): x is Pruner {
  return typeof (x as Pruner | undefined)?.shouldPrune === 'function';
}

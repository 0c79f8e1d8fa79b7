import { TrialStoppedError, createRng, type Direction, type Params, type Pruner, type Space, type Strategy, type StudyView, type TrialView } from '../core/index.ts';
import { spaceSchema } from '../space/index.ts';
import { createStrategy, strategySchema, type StrategyInput } from '../../strategies/index.ts';
import { createPruner, prunerSchema, type PrunerInput } from '../../strategies/pruners/index.ts';
import { rankStudy } from './pareto-ranking.ts';
import { parseOrThrow } from '../core/parse-input.ts';

/** What an in-process objective receives besides its params (Optuna's `trial`). */
export interface TrialHandle {
  readonly number: number;
  readonly params: Params;
  /** Records the objective's intermediate value at `step` (an epoch). */
  report(step: number, value: number): void;
  /** True when the pruner says this trial should stop now; then throw `new TrialPruned()`. */
  shouldPrune(): boolean;
  /**
   * Records the trial's constraint values (Optuna's semantics: <= 0 satisfied, > 0 violated by
   * that much). Infeasible trials rank after feasible ones and strategies steer away from them.
   */
  setConstraints(values: readonly number[]): void;
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
  /** One objective's direction; with `directions` the first of them. */
  direction?: Direction;
  /** Several objectives (2-3): the objective returns one value per direction; no pruning then. */
  directions?: readonly Direction[];
  objective: (params: Params, trial: TrialHandle) => number | readonly number[] | Promise<number | readonly number[]>;
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
  /** Ranked best first (see rankStudy: feasible before infeasible, fronts for several objectives). */
  trials: OptimizeTrial[];
  /** The best feasible complete trial (one objective), or the first of the Pareto front. */
  best?: OptimizeTrial;
  /** Feasible complete trials no other one dominates (with one objective: the best, or ties). */
  pareto: OptimizeTrial[];
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
  const directions = options.directions ?? (options.direction ? [options.direction] : undefined);
  if (!directions || directions.length < 1 || directions.length > 3) {
    throw new RangeError(`optimize: give direction, or directions with 1-3 entries, got ${JSON.stringify(options.directions ?? options.direction)}`);
  }
  if (directions.length > 1 && pruner.name !== 'none') {
    throw new RangeError(`optimize: pruner "${pruner.name}" needs a single objective, got ${directions.length}: there is no single intermediate value to compare (Optuna refuses this too); drop the pruner`);
  }
  const concurrency = Math.max(1, options.concurrency ?? 1);
  if (!Number.isInteger(options.trials) || options.trials < 1) {
    throw new RangeError(`optimize: trials must be an integer >= 1, got ${options.trials}`);
  }
  const history: OptimizeTrial[] = [];
  const view: StudyView = { space, direction: directions[0], ...(directions.length > 1 ? { directions } : {}), trials: history };

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
      setConstraints: (values) => {
        trial.constraints = [...values];
      },
    };
    try {
      const result = await options.objective(params, handle);
      const values = typeof result === 'number' ? [result] : [...result];
      if (values.length !== directions.length) throw new RangeError(`objective returned ${values.length} value(s) for ${directions.length} direction(s)`);
      trial.value = values[0];
      if (directions.length > 1) trial.values = values;
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
  const { ranked: trials, places } = rankStudy(history, directions);
  const feasible = (t: OptimizeTrial): boolean => places.get(t)?.feasible ?? true;
  const complete = trials.filter((t) => t.state === 'complete' && Number.isFinite(t.value) && feasible(t));
  const pareto = directions.length > 1 ? complete.filter((t) => places.get(t)?.front === 0) : complete.filter((t) => t.value === complete[0]?.value);
  return { trials, best: complete[0], pareto, history };
}

function isStrategy(x: unknown): x is Strategy {
  return typeof (x as Strategy | undefined)?.ask === 'function';
}
function isPruner(x: unknown): x is Pruner {
  return typeof (x as Pruner | undefined)?.shouldPrune === 'function';
}

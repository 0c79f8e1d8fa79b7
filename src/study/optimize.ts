import { TrialStoppedError, type Direction, type Params, type Pruner, type Space, type Strategy, type TrialView } from '../core/index.ts';
import { Study, studySeed, type StudyTrial } from './study.ts';
import { spaceSchema } from '../space/index.ts';
import { createStrategy, strategySchema, type StrategyInput } from '../../strategies/index.ts';
import { createPruner, prunerSchema, type PrunerInput } from '../../strategies/pruners/index.ts';
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
  /** The objective's direction; give `directions` instead for several objectives. */
  direction?: Direction;
  /** Several objectives (2-3): the objective returns one value per direction; no pruner then. */
  directions?: readonly Direction[];
  objective: (params: Params, trial: TrialHandle) => number | readonly number[] | Promise<number | readonly number[]>;
  /** A strategy config (`{ type: 'tpe' }`) or an instance. Default: `auto`. */
  strategy?: StrategyInput | Strategy;
  pruner?: PrunerInput | Pruner;
  trials: number;
  /** Trials in flight at once (the strategy sees the others as pending). Default 1. */
  concurrency?: number;
  /** Study seed; a `seed` in the strategy's options wins over it. Default 0. */
  seed?: number;
}

export interface OptimizeTrial extends TrialView {
  error?: string;
}

export interface OptimizeResult {
  /** Ranked best first (see rankStudy: feasible before infeasible, fronts for several objectives). */
  trials: OptimizeTrial[];
  /** The best feasible complete trial (several objectives: the first of the Pareto front). */
  best?: OptimizeTrial;
  /** Feasible complete trials no other one dominates (one objective: the best and its ties). */
  pareto: OptimizeTrial[];
  /** In creation order, for regret curves. */
  history: OptimizeTrial[];
}

/**
 * Runs a study in this process: a loop over the Study engine (ask -> objective -> tell), so the
 * strategy and pruner see the same StudyView the distributed controller builds from the store.
 */
export async function optimize(options: OptimizeOptions): Promise<OptimizeResult> {
  const space = parseOrThrow(spaceSchema, options.space, 'space') as Space;
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
  const directions = options.directions ?? (options.direction ? [options.direction] : []);
  if (directions.length < 1 || directions.length > 3) {
    throw new RangeError(`optimize: give direction, or directions with 1-3 entries, got ${JSON.stringify(options.directions ?? options.direction)}`);
  }
  const strategySeed = isStrategy(options.strategy) ? undefined : options.strategy?.seed;
  const study = new Study({
    space,
    direction: directions[0],
    ...(directions.length > 1 ? { directions } : {}),
    strategy,
    pruner,
    seed: studySeed(strategySeed, options.seed),
    maxTrials: options.trials,
  });

  const runOne = async (trial: StudyTrial): Promise<void> => {
    try {
      study.tell(trial, await options.objective(trial.params, trial));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      study.tell(trial, { kind: error instanceof TrialStoppedError ? 'pruned' : 'failed', reason });
    }
  };
  // One awaited call per trial: the lanes interleave as they always have, so a seed's suggestions stay put.
  const lane = async (): Promise<void> => {
    for (let trial = study.ask(); trial; trial = study.ask()) await runOne(trial);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, options.trials) }, lane));
  const history = study.trials.map(toOptimizeTrial);
  const of = new Map(study.trials.map((t, i) => [t, history[i]]));
  const asResult = (ts: StudyTrial[]): OptimizeTrial[] => ts.map((t) => of.get(t)!);
  const pareto = asResult(study.paretoFront());
  return { trials: asResult(study.ranked()), best: pareto[0], pareto, history };
}

function toOptimizeTrial(t: StudyTrial): OptimizeTrial {
  const out: OptimizeTrial = { number: t.number, id: t.id, params: t.params, state: t.state, intermediate: t.intermediate };
  if (t.value !== undefined) out.value = t.value;
  if (t.values !== undefined) out.values = t.values;
  if (t.constraints !== undefined) out.constraints = t.constraints;
  if (t.state === 'failed' && t.ending) out.error = t.ending.reason;
  return out;
}

function isStrategy(x: unknown): x is Strategy {
  return typeof (x as Strategy | undefined)?.ask === 'function';
}
function isPruner(x: unknown): x is Pruner {
  return typeof (x as Pruner | undefined)?.shouldPrune === 'function';
}

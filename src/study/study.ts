import {
  ConfigError,
  createRng,
  isUncounted,
  type Direction,
  type AskContext,
  type Ending,
  type Params,
  type Pruner,
  type Space,
  type Strategy,
  type StrategyNote,
  type StudyView,
  type TrialState,
  type TrialView,
} from '../core/index.ts';
import { activeNames, sampleSpace } from '../space/index.ts';
import { paretoFront, rankStudy } from './ranking.ts';

/** A trial of this study from before a restart: what the strategy saw, and how it ended. */
export interface PastTrial extends TrialView {
  ending?: Ending;
  note?: StrategyNote;
}

export interface StudyOptions {
  space: Space;
  /** The objective's direction; with `directions`, the first of them. */
  direction: Direction;
  /**
   * Several objectives (2-3): one direction each; `tell` then takes one value per direction and
   * the result is a Pareto front. Pruning is refused with several objectives, as Optuna refuses
   * it: a pruner compares one intermediate value per step, and there is no single one to compare.
   */
  directions?: readonly Direction[];
  strategy: Strategy;
  pruner: Pruner;
  /** Resolve it with `studySeed`: the strategy's seed wins over the study's. */
  seed: number;
  /** Trials that use up the budget; interrupted and stopped trials do not count. */
  maxTrials: number;
  /** Epochs (steps) a trial reports before the pruner may stop it. Default 0. */
  minEpochs?: number;
  /** This study's trials so far (a resumed study), in any order. */
  history?: readonly PastTrial[];
  /** Finished trials of another study over the same space: the strategy learns from them; they do not count. */
  warmStart?: readonly TrialView[];
  /** Params to run first, in order (Optuna's enqueue_trial); ones already run are skipped. */
  enqueue?: readonly Params[];
}

/** The study seed rule, in one place: a seed in the strategy's options wins over the study seed. */
export function studySeed(strategySeed: number | undefined, seed: number | undefined): number {
  return strategySeed ?? seed ?? 0;
}

/**
 * One trial of a Study, as the objective (or the controller) holds it: its params, its
 * intermediate values, and the study's pruning verdict. It is also the TrialView strategies and
 * pruners read, so there is one record per trial.
 */
export class StudyTrial implements TrialView {
  state: TrialState = 'running';
  value?: number;
  values?: readonly number[];
  readonly intermediate: { step: number; value: number }[] = [];
  ending?: Ending;
  /** Set once the pruner said stop; the trial should then end `pruned`. */
  pruneReason?: string;
  /** Constraint values, Optuna's semantics (<= 0 satisfied); see `setConstraints`. */
  constraints?: readonly number[];
  /** Which sampler proposed the params and why (strategies with `explain`, e.g. `auto`). */
  note?: StrategyNote;

  constructor(
    private readonly study: Study,
    readonly number: number,
    /** `String(number)` until the controller gives it its task id. */
    public id: string,
    readonly params: Params,
    /** True when it came from `enqueue`, not from the strategy. */
    readonly enqueued = false,
  ) {}

  /** Records the objective at `step` (an epoch); a repeated step replaces the earlier value. */
  report(step: number, value: number): void {
    const last = this.intermediate.at(-1);
    if (last && last.step >= step) {
      const i = this.intermediate.findIndex((p) => p.step >= step);
      if (this.intermediate[i].step === step) this.intermediate[i] = { step, value };
      else this.intermediate.splice(i, 0, { step, value });
    } else this.intermediate.push({ step, value });
  }

  /** True when the study's pruner says this trial should stop now (and from then on). */
  shouldPrune(): boolean {
    return this.pruneReason !== undefined || this.study.prune(this) !== undefined;
  }

  /**
   * Records the trial's constraint values before it is told (Optuna's semantics: <= 0
   * satisfied, > 0 violated by that much; non-finite counts as violated). Infeasible trials rank
   * after every feasible one and strategies steer away from them.
   */
  setConstraints(values: readonly number[]): void {
    this.constraints = [...values];
  }
}

/**
 * The study engine, Optuna's shape: `ask()` a trial with params, run it anywhere, `report` its
 * intermediate values, ask `shouldPrune`, then `tell` its value or its ending. It owns what both
 * the in-process `optimize()` and the store-backed controller need: the pending trials, the seed
 * and per-trial RNG (`createRng(seed, 'trial:N')`, so a trial's suggestion depends only on the
 * history and its number), minEpochs, pruning each trial once, the budget (uncounted endings
 * free their slot) and the end of a finite (grid) space. No I/O; not safe across processes
 * (the controller's lease makes it the only one).
 */
export class Study {
  readonly trials: StudyTrial[] = [];
  /** What strategies and pruners see: warm-start trials, then this study's counted trials. */
  readonly view: StudyView;
  private readonly visible: TrialView[];
  private readonly queue: Params[];
  private nextNumber: number;
  private maxTrials: number;
  private stopReason?: string;
  private exhaustedReason?: string;
  readonly directions: readonly Direction[];

  constructor(private readonly options: StudyOptions) {
    this.directions = options.directions ?? [options.direction];
    if (this.directions.length < 1 || this.directions.length > 3) {
      throw new ConfigError(`a study takes 1 to 3 objectives, got ${this.directions.length}`);
    }
    if (this.directions.length > 1 && options.pruner.name !== 'none') {
      throw new ConfigError(
        `pruner "${options.pruner.name}" needs a single objective, got ${this.directions.length}: a pruner compares one intermediate value per step ` +
          "and several objectives give none to compare (Optuna refuses this too); use pruner { type: 'none' } or one objective",
      );
    }
    this.maxTrials = options.maxTrials;
    // Warm-start trials go first and get negative numbers, so they never collide with ours.
    const warm = (options.warmStart ?? []).filter((t) => t.state === 'complete');
    this.visible = warm.map((t, i) => ({ ...t, number: i - warm.length }));
    const past = [...(options.history ?? [])].sort((a, b) => a.number - b.number);
    for (const p of past) {
      const trial = new StudyTrial(this, p.number, p.id, p.params);
      Object.assign(trial, { state: p.state, value: p.value, values: p.values, constraints: p.constraints, note: p.note, ending: p.ending });
      trial.intermediate.push(...p.intermediate);
      this.trials.push(trial);
      if (!isUncounted(p.ending)) this.visible.push(trial);
    }
    this.nextNumber = past.length ? past[past.length - 1].number + 1 : 0;
    const done = new Set(this.trials.filter((t) => !isUncounted(t.ending)).map((t) => this.key(t.params)));
    this.queue = (options.enqueue ?? []).filter((p) => !done.has(this.key(p)));
    this.view = { space: options.space, direction: this.directions[0], trials: this.visible };
    if (this.directions.length > 1) this.view.directions = this.directions;
  }

  /**
   * The next trial, or undefined when none may start: the budget is used up (running trials
   * count), the study was stopped, or a finite space has no unrun point left (see `endReason`).
   */
  ask(): StudyTrial | undefined {
    if (this.stopReason !== undefined || this.exhaustedReason !== undefined || this.remaining() <= 0) return undefined;
    const number = this.nextNumber;
    const enqueued = this.queue.shift();
    const { seed, space, strategy } = this.options;
    let params: Params;
    let note: StrategyNote | undefined;
    if (enqueued && this.isComplete(enqueued)) params = sampleSpace(space, createRng(seed, `enqueue:${number}`), enqueued);
    else {
      if (!enqueued && this.isExhausted()) return undefined;
      const pending = this.running().map((t) => t.params);
      const ctx = (): AskContext => ({ rng: createRng(seed, `trial:${number}`), seed, trialNumber: number, pending, budget: this.maxTrials });
      // Its own context, so an explain that draws cannot change what ask proposes.
      note = strategy.explain?.(this.view, ctx());
      const asked = strategy.ask(this.view, ctx());
      // A partly enqueued trial: the strategy fills the rest; params its values make active are drawn.
      params = enqueued ? sampleSpace(space, createRng(seed, `enqueue:${number}`), { ...asked, ...enqueued }) : asked;
    }
    this.nextNumber++;
    const trial = new StudyTrial(this, number, String(number), params, enqueued !== undefined);
    if (note) trial.note = note;
    this.trials.push(trial);
    this.visible.push(trial);
    return trial;
  }

  /**
   * Ends a trial: a number is its objective, a list one value per objective (completed); an
   * Ending says how else it ended. Interrupted and stopped trials leave the strategy's view and
   * give their budget slot back. Throws, leaving the trial running, when a list's length does
   * not match the objectives.
   */
  tell(trial: StudyTrial, result: number | readonly number[] | Ending): void {
    if (trial.state !== 'running' || trial.ending) throw new Error(`trial ${trial.number} was already told (${trial.ending?.kind ?? trial.state})`);
    const values = typeof result === 'number' ? [result] : Array.isArray(result) ? (result as readonly number[]) : undefined;
    if (values && values.length !== this.directions.length) {
      throw new RangeError(`trial ${trial.number}: got ${values.length} objective value(s) for ${this.directions.length} objective(s)`);
    }
    const ending: Ending = values ? { kind: 'completed', reason: 'completed' } : (result as Ending);
    trial.ending = ending;
    if (ending.kind === 'completed') {
      trial.state = 'complete';
      trial.value = values?.[0] ?? Number.NaN;
      if (values && values.length > 1) trial.values = [...values];
    } else trial.state = ending.kind === 'pruned' ? 'pruned' : 'failed';
    if (isUncounted(ending)) this.visible.splice(this.visible.indexOf(trial), 1);
  }

  /**
   * The pruner's verdict for a running trial, returned once: the reason the first time it says
   * stop (the caller then stops the trial), undefined otherwise and ever after. Honours minEpochs.
   */
  prune(trial: StudyTrial): string | undefined {
    const last = trial.intermediate.at(-1);
    if (trial.state !== 'running' || trial.pruneReason !== undefined || !last) return undefined;
    if (last.step + 1 < (this.options.minEpochs ?? 0)) return undefined;
    const verdict = this.options.pruner.shouldPrune(this.view, trial);
    if (!verdict.prune) return undefined;
    trial.pruneReason = verdict.reason;
    return verdict.reason;
  }

  /** Launch nothing more (a stop request, a time budget, a fatal config error); running trials go on. */
  stop(reason: string): void {
    this.stopReason ??= reason;
  }

  /** Raises (or lowers) the trial budget: extending a finished study. */
  setBudget(maxTrials: number): void {
    this.maxTrials = maxTrials;
  }

  running(): StudyTrial[] {
    return this.trials.filter((t) => t.state === 'running');
  }

  /** Trials that use up the budget: running and ended ones, except interrupted and stopped ones. */
  counted(): number {
    return this.trials.filter((t) => !isUncounted(t.ending)).length;
  }

  remaining(): number {
    return Math.max(0, this.maxTrials - this.counted());
  }

  /** Why no trial may start, if one of those holds: the stop reason or the exhausted grid. */
  endReason(): string | undefined {
    return this.stopReason ?? this.exhaustedReason;
  }

  /** Nothing running and nothing more to ask. */
  isFinished(): boolean {
    return this.running().length === 0 && (this.stopReason !== undefined || this.remaining() <= 0 || this.isExhausted());
  }

  /** Every trial, best first (see rankStudy: feasible first, by front with several objectives). */
  ranked(): StudyTrial[] {
    return rankStudy(this.trials, this.directions).ranked;
  }

  /** The study's result: the feasible complete trials no other one dominates (one objective: the best and its ties). */
  paretoFront(): StudyTrial[] {
    return paretoFront(this.trials, this.directions);
  }

  /** The best feasible complete trial with finite values (several objectives: the front's first), if any. */
  best(): StudyTrial | undefined {
    return this.paretoFront()[0];
  }

  /** True when trials ended and every counted one failed (the trainer is broken, not the params). */
  allFailed(): boolean {
    const ended = this.trials.filter((t) => t.ending && !isUncounted(t.ending));
    return ended.length > 0 && ended.every((t) => t.state === 'failed');
  }

  private isExhausted(): boolean {
    if (this.exhaustedReason !== undefined) return true;
    const size = this.options.strategy.size?.(this.view);
    if (size === undefined) return false;
    const taken = new Set(this.visible.map((t) => this.key(t.params)));
    if (BigInt(taken.size) < size) return false;
    this.exhaustedReason = `grid exhausted after ${size} points`;
    return true;
  }

  /** True when `params` holds every param it makes active (an enqueued trial that needs no strategy). */
  private isComplete(params: Params): boolean {
    return activeNames(this.options.space, params).every((k) => k in params);
  }

  private key(params: Params): string {
    return JSON.stringify(Object.keys(this.options.space).map((k) => params[k]));
  }
}

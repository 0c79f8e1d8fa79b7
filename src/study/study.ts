import {
  createRng,
  isUncounted,
  type Direction,
  type Ending,
  type Params,
  type Pruner,
  type Space,
  type Strategy,
  type StudyView,
  type TrialState,
  type TrialView,
} from '../core/index.ts';

/** A trial of this study from before a restart: what the strategy saw, and how it ended. */
export interface PastTrial extends TrialView {
  ending?: Ending;
}

export interface StudyOptions {
  space: Space;
  direction: Direction;
  /** Several objectives: one direction each (multi-objective strategies read it). */
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

  constructor(private readonly options: StudyOptions) {
    this.maxTrials = options.maxTrials;
    // Warm-start trials go first and get negative numbers, so they never collide with ours.
    const warm = (options.warmStart ?? []).filter((t) => t.state === 'complete');
    this.visible = warm.map((t, i) => ({ ...t, number: i - warm.length }));
    const past = [...(options.history ?? [])].sort((a, b) => a.number - b.number);
    for (const p of past) {
      const trial = new StudyTrial(this, p.number, p.id, p.params);
      Object.assign(trial, { state: p.state, value: p.value, values: p.values, ending: p.ending });
      trial.intermediate.push(...p.intermediate);
      this.trials.push(trial);
      if (!isUncounted(p.ending)) this.visible.push(trial);
    }
    this.nextNumber = past.length ? past[past.length - 1].number + 1 : 0;
    const done = new Set(this.trials.filter((t) => !isUncounted(t.ending)).map((t) => this.key(t.params)));
    this.queue = (options.enqueue ?? []).filter((p) => !done.has(this.key(p)));
    this.view = { space: options.space, direction: options.direction, directions: options.directions, trials: this.visible };
    if (!options.directions) delete (this.view as { directions?: unknown }).directions;
  }

  /**
   * The next trial, or undefined when none may start: the budget is used up (running trials
   * count), the study was stopped, or a finite space has no unrun point left (see `endReason`).
   */
  ask(): StudyTrial | undefined {
    if (this.stopReason !== undefined || this.exhaustedReason !== undefined || this.remaining() <= 0) return undefined;
    const number = this.nextNumber;
    const enqueued = this.queue.shift();
    let params: Params;
    if (enqueued && Object.keys(this.options.space).every((k) => k in enqueued)) params = { ...enqueued };
    else {
      if (!enqueued && this.isExhausted()) return undefined;
      const { seed } = this.options;
      const pending = this.running().map((t) => t.params);
      const asked = this.options.strategy.ask(this.view, { rng: createRng(seed, `trial:${number}`), seed, trialNumber: number, pending });
      params = { ...asked, ...enqueued };
    }
    this.nextNumber++;
    const trial = new StudyTrial(this, number, String(number), params, enqueued !== undefined);
    this.trials.push(trial);
    this.visible.push(trial);
    return trial;
  }

  /**
   * Ends a trial: a number is its objective (completed); an Ending says how else it ended.
   * Interrupted and stopped trials leave the strategy's view and give their budget slot back.
   */
  tell(trial: StudyTrial, result: number | Ending): void {
    if (trial.state !== 'running' || trial.ending) throw new Error(`trial ${trial.number} was already told (${trial.ending?.kind ?? trial.state})`);
    const ending: Ending = typeof result === 'number' ? { kind: 'completed', reason: 'completed' } : result;
    trial.ending = ending;
    if (ending.kind === 'completed') {
      trial.state = 'complete';
      trial.value = typeof result === 'number' ? result : Number.NaN;
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

  /** The best complete trial with a finite value, if any. */
  best(): StudyTrial | undefined {
    const sign = this.options.direction === 'maximize' ? -1 : 1;
    let best: StudyTrial | undefined;
    for (const t of this.trials) {
      if (t.state !== 'complete' || !Number.isFinite(t.value)) continue;
      if (!best || sign * t.value! < sign * best.value!) best = t;
    }
    return best;
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

  private key(params: Params): string {
    return JSON.stringify(Object.keys(this.options.space).map((k) => params[k]));
  }
}

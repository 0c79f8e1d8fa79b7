import type { Params, ParamValue } from './task.ts';
import type { Rng } from './rng.ts';

export type Direction = 'maximize' | 'minimize';

/**
 * When a conditional param is active: every named param is active and has the given value (or
 * one of the listed values). Inactive params are absent from a trial's params.
 */
export type Condition = Readonly<Record<string, ParamValue | readonly ParamValue[]>>;

/** A dimension of the search space. Built with `float`, `int`, `categorical` from src/space. */
export type Dimension = (
  | { type: 'float'; low: number; high: number; log: boolean; step?: number }
  | { type: 'int'; low: number; high: number; log: boolean; step: number }
  | { type: 'categorical'; choices: readonly ParamValue[] }
) & { when?: Condition };

/** Param name (`hyp/lr0`) -> dimension. Key order is the order strategies see. */
export type Space = Record<string, Dimension>;

/**
 * A trial as strategies and pruners see it. `complete` trials have a finite or non-finite `value`;
 * strategies must ignore non-finite values. `pruned` trials keep their intermediate values.
 */
export type TrialState = 'running' | 'complete' | 'pruned' | 'failed';

export interface TrialView {
  /** 0-based order of creation within the study. */
  number: number;
  id: string;
  params: Params;
  state: TrialState;
  /** The trial's objective (complete trials). */
  value?: number;
  /** Several objectives: one value per `StudyView.directions` entry (complete trials). */
  values?: readonly number[];
  /**
   * Constraint violations, one per constraint (Optuna's semantics: <= 0 satisfied, > 0 by how
   * much it is violated); absent when the study has no constraints or the trial reported none.
   */
  constraints?: readonly number[];
  /** The objective metric per reported step (epoch), sorted by step. */
  intermediate: ReadonlyArray<{ step: number; value: number }>;
}

/** Read-only snapshot of a study; rebuilt from the store after a restart. */
export interface StudyView {
  space: Space;
  direction: Direction;
  /** Several objectives (2-3): one direction each; `direction` is then the first one's. */
  directions?: readonly Direction[];
  trials: readonly TrialView[];
}

export interface AskContext {
  /** Seeded for this trial number only, so suggestions do not depend on process history. */
  rng: Rng;
  /** The study seed, for streams that must be shared across trials (e.g. a Sobol scramble). */
  seed: number;
  /** The number the new trial will get. */
  trialNumber: number;
  /** Params of trials already running (constant liar / kriging believer). */
  pending: readonly Params[];
  /** The study's trial budget (`budget.maxTrials`), when the caller knows it. */
  budget?: number;
}

/** Which sampler answered an ask and why, in words a user reads beside the trial. */
export interface StrategyNote {
  sampler: string;
  reason: string;
}

/** Proposes params for the next trial. Pure given its inputs: no private history. */
export interface Strategy {
  readonly name: string;
  ask(study: StudyView, ctx: AskContext): Params;
  /** Finite strategies (grid): how many distinct points there are, so a study ends when all ran. */
  size?(study: StudyView): bigint;
  /**
   * Optional: the sampler `ask` uses for these same inputs and why (a meta-strategy such as
   * `auto` delegates). Pure and cheap; the engine calls it beside `ask` and stores the note on
   * the trial. Strategies without it are their own sampler.
   */
  explain?(study: StudyView, ctx: AskContext): StrategyNote;
}

export type PruneVerdict = { prune: false } | { prune: true; reason: string };

/** Decides from intermediate values whether a running trial should stop. Pure, never logs. */
export interface Pruner {
  readonly name: string;
  shouldPrune(study: StudyView, trial: TrialView): PruneVerdict;
}

/** Better-than for the study's direction; non-finite values are never better. */
export function isBetter(a: number, b: number, direction: Direction): boolean {
  if (!Number.isFinite(a)) return false;
  if (!Number.isFinite(b)) return true;
  return direction === 'maximize' ? a > b : a < b;
}

/**
 * Helpers for bench/pruning.ts: one study run on the learning-curve family under a budget, and
 * the numbers the bench prints (best final value, epochs spent, epochs needed to reach a value).
 */
import { createRng, type Params, type Pruner, type Strategy, type StudyView, type AskContext } from '../src/core/index.ts';
import { optimize, TrialPruned } from '../src/study/optimize.ts';
import type { PrunerInput } from '../strategies/pruners/index.ts';
import type { BuiltinObjective } from '../src/trainers/function/objectives/index.ts';
import type { OptunaBridge, OptunaStudyOptions } from './lib-optuna.ts';

export interface Budget {
  /** Trials to start (budget a). */
  trials?: number;
  /** Epochs to spend: trials are started while fewer were used (budget b). */
  epochs?: number;
}

export interface RunResult {
  /** Best final value among trials that completed all epochs (pruned trials never count). */
  best: number;
  epochs: number;
  started: number;
  pruned: number;
  /** After each completed trial: epochs used so far and the best final value so far. */
  trace: Array<{ epochs: number; best: number }>;
}

/** Ends a trial that would start after the epoch budget is spent; recorded as failed, ignored by everyone. */
class BudgetSpent extends Error {}

/** Stops asking the inner strategy once the budget is spent (the leftover trials are no-ops). */
function gated(inner: Strategy, spent: () => boolean, fallback: Params): Strategy {
  return {
    name: inner.name,
    ask: (study: StudyView, ctx: AskContext) => (spent() ? fallback : inner.ask(study, ctx)),
  };
}

/** Trial `number`'s noisy curve, one value per epoch: the same random stream in every runner and the oracle. */
function* curve(objective: BuiltinObjective, params: Params, seed: number, number: number, epochs: number): Generator<number> {
  const rng = createRng(seed, `curve:${number}`);
  for (let e = 0; e < epochs; e++) yield objective.epoch(params, e, epochs, rng)[objective.metric];
}

/** Epochs spent and the best-so-far trace, kept the same way by both runners. */
class Tally {
  used = 0;
  best: number;
  readonly trace: RunResult['trace'] = [];
  constructor(private readonly sign: number) {
    this.best = -sign * Infinity;
  }
  /** A trial ran all its epochs and ended at `value`. */
  complete(value: number): void {
    if (this.sign * value > this.sign * this.best) this.best = value;
    this.trace.push({ epochs: this.used, best: this.best });
  }
}

/**
 * One study: `objective`'s curve for `epochsPerTrial` epochs per trial, the pruner checked after
 * every epoch but the last (pruning a finished run saves nothing).
 */
export async function runStudy(options: {
  objective: BuiltinObjective;
  strategy: Strategy;
  /** Options, an instance, or a factory called with the seed (for per-seed pruners like the oracle). */
  pruner: PrunerInput | Pruner | ((seed: number) => Pruner);
  seed: number;
  budget: Budget;
  epochsPerTrial: number;
}): Promise<RunResult> {
  const { objective, budget, epochsPerTrial: n, seed } = options;
  const tally = new Tally(objective.direction === 'maximize' ? 1 : -1);
  const spent = () => budget.epochs !== undefined && tally.used >= budget.epochs;
  const result = await optimize({
    space: objective.space,
    direction: objective.direction,
    strategy: gated(options.strategy, spent, objective.defaults),
    pruner: typeof options.pruner === 'function' ? options.pruner(seed) : options.pruner,
    seed,
    // Every started trial spends at least one epoch, so epochs + 1 trials always exhaust the budget.
    trials: budget.trials ?? budget.epochs! + 1,
    objective: (params, trial) => {
      if (spent()) throw new BudgetSpent();
      let e = 0;
      let value = NaN;
      for (value of curve(objective, params, seed, trial.number, n)) {
        const step = e++;
        tally.used++;
        trial.report(step, value);
        if (step < n - 1 && trial.shouldPrune()) throw new TrialPruned();
      }
      tally.complete(value);
      return value;
    },
  });
  const started = result.history.filter((t) => t.intermediate.length > 0);
  return { best: tally.best, epochs: tally.used, started: started.length, pruned: started.filter((t) => t.state === 'pruned').length, trace: tally.trace };
}

/**
 * Not a pruner: a bound. It knows every trial's final value (it replays the trial's curve with the
 * same random stream the bench uses) and, from `minEpochs` epochs on, stops each trial that will
 * not beat the best completed one, once `nStartupTrials` have completed. No pruner that decides
 * at that epoch does better on quality and epochs at once, so the row shows what is reachable.
 */
export function oraclePruner(objective: BuiltinObjective, seed: number, epochsPerTrial: number, minEpochs: number, nStartupTrials = 5): Pruner {
  const sign = objective.direction === 'maximize' ? 1 : -1;
  const finals = new Map<number, number>();
  const finalOf = (params: Params, number: number): number => {
    let v = finals.get(number);
    if (v === undefined) {
      for (v of curve(objective, params, seed, number, epochsPerTrial));
      finals.set(number, v!);
    }
    return v!;
  };
  return {
    name: 'oracle',
    shouldPrune: (study, trial) => {
      if (trial.intermediate.length < minEpochs) return { prune: false };
      const done = study.trials.filter((t) => t.state === 'complete' && Number.isFinite(t.value));
      if (done.length < nStartupTrials) return { prune: false };
      const best = Math.max(...done.map((t) => sign * t.value!));
      return sign * finalOf(trial.params, trial.number) < best ? { prune: true, reason: 'oracle: will not beat the best' } : { prune: false };
    },
  };
}

/** Epochs a run needed before its best final value reached `target`, or undefined if it never did. */
export function epochsToReach(trace: RunResult['trace'], target: number, direction: 'maximize' | 'minimize'): number | undefined {
  for (const point of trace) if (direction === 'maximize' ? point.best >= target : point.best <= target) return point.epochs;
  return undefined;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The same study as {@link runStudy}, run by Optuna (sampler and pruner) through the bridge:
 * same curves, noise streams (by trial number), budgets and bookkeeping, so rows compare.
 */
export async function runOptunaStudy(options: {
  bridge: OptunaBridge;
  objective: BuiltinObjective;
  sampler: OptunaStudyOptions['sampler'];
  pruner: NonNullable<OptunaStudyOptions['pruner']>;
  seed: number;
  budget: Budget;
  epochsPerTrial: number;
}): Promise<RunResult> {
  const { bridge, objective, budget, epochsPerTrial: n, seed } = options;
  await bridge.create({ direction: objective.direction, space: objective.space, seed, sampler: options.sampler, pruner: options.pruner });
  const tally = new Tally(objective.direction === 'maximize' ? 1 : -1);
  let started = 0;
  let pruned = 0;
  while (budget.epochs !== undefined ? tally.used < budget.epochs : started < budget.trials!) {
    const { number, params } = await bridge.ask();
    started++;
    let e = 0;
    let value = NaN;
    let stopped = false;
    for (value of curve(objective, params, seed, number, n)) {
      const step = e++;
      tally.used++;
      stopped = (await bridge.report(number, step, value)) && step < n - 1;
      if (stopped) break;
    }
    if (stopped) {
      pruned++;
      await bridge.tell(number, { pruned: true });
      continue;
    }
    await bridge.tell(number, { value });
    tally.complete(value);
  }
  return { best: tally.best, epochs: tally.used, started, pruned, trace: tally.trace };
}

import { describe, expect, it } from 'vitest';
import { createRng, type AskContext, type Direction, type Params, type Space, type Strategy, type StudyView, type TrialView } from '../../src/core/index.ts';
import { activeNames, categorical, contains, float, int, toUnit } from '../../src/space/index.ts';

/**
 * The conformance suite every strategy runs (auto, random, random+sobol, grid, tpe, gp): determinism,
 * legal values, degenerate histories, non-finite values, restart safety, direction symmetry,
 * conditional spaces (inactive params absent), several objectives and constraints.
 * Call `strategyConformance` inside a test file; `make` must build a fresh instance each call.
 */
export interface StrategyCase {
  name: string;
  make: () => Strategy;
  /** True for strategies that learn from history (their answers must ignore unusable trials). */
  learns: boolean;
  /** Trials in each simulated study (enough to pass the start-up phase of learning strategies). */
  trials: number;
  /** False for strategies whose answers do not depend on the seed (plain grid). Default true. */
  seeded?: boolean;
}

/** Every kind of dimension: float, log float, stepped float, int, log int, stepped int, categoricals. */
export const MIXED_SPACE: Space = {
  'hyp/lr0': float(1e-5, 1e-1, { log: true }),
  'hyp/momentum': float(0.6, 0.98),
  'hyp/mosaic': float(0, 1, { step: 0.25 }),
  'args/epochs': int(1, 5),
  'args/batch': int(2, 64, { log: true }),
  'args/img': int(320, 640, { step: 32 }),
  'args/optimizer': categorical(['SGD', 'Adam', 'AdamW']),
  'args/cos_lr': categorical([true, false]),
  'args/scale': categorical([0.25, 0.5, 0.9]),
};

/** A smooth objective over MIXED_SPACE with its minimum inside the box. */
export function mixedObjective(space: Space, params: Params): number {
  let sum = 0;
  let k = 0;
  for (const [name, dim] of Object.entries(space)) {
    const u = toUnit(dim, params[name]);
    sum += (u - (0.2 + 0.6 * ((k * 0.37) % 1))) ** 2;
    k++;
  }
  return sum;
}

export interface Simulation {
  /** The view and context each ask saw, and the answer it gave. */
  steps: { view: StudyView; ctx: AskContext; params: Params }[];
  trials: TrialView[];
}

/**
 * Runs a study step by step without optimize(): trial k is asked while the previous `lag` trials
 * are still running, then trial k - lag finishes. Every 7th trial fails, every 5th reports NaN,
 * every 9th is pruned with intermediate values: the awkward mix a real study produces.
 */
export function simulate(
  strategy: Strategy,
  options: { space: Space; direction: Direction; trials: number; seed: number; lag?: number; awkward?: boolean; sign?: number },
): Simulation {
  const lag = options.lag ?? 0;
  const sign = options.sign ?? 1;
  const trials: TrialView[] = [];
  const steps: Simulation['steps'] = [];
  const finish = (t: TrialView): void => {
    const value = sign * mixedObjective(options.space, t.params);
    if (options.awkward && t.number % 7 === 3) t.state = 'failed';
    else if (options.awkward && t.number % 5 === 4) {
      t.state = 'complete';
      t.value = Number.NaN;
    } else if (options.awkward && t.number % 9 === 8) {
      t.state = 'pruned';
      t.intermediate = [
        { step: 0, value: value * 2 },
        { step: 1, value: value * 1.5 },
      ];
    } else {
      t.state = 'complete';
      t.value = value;
    }
  };
  for (let k = 0; k < options.trials; k++) {
    const view: StudyView = { space: options.space, direction: options.direction, trials: snapshot(trials) };
    const pending = trials.filter((t) => t.state === 'running').map((t) => ({ ...t.params }));
    const ctx: AskContext = { rng: createRng(options.seed, `trial:${k}`), seed: options.seed, trialNumber: k, pending };
    const params = strategy.ask(view, ctx);
    steps.push({ view, ctx: { ...ctx, rng: createRng(options.seed, `trial:${k}`) }, params });
    trials.push({ number: k, id: `t${k}`, params, state: 'running', intermediate: [] });
    if (k - lag >= 0) finish(trials[k - lag]);
  }
  for (const t of trials) if (t.state === 'running') finish(t);
  return { steps, trials };
}

/** A deep copy through JSON, the way a view comes back from the store after a restart. */
export function snapshot<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)), (_k, v) =>
    v === 'NaN' ? Number.NaN : v === 'Infinity' ? Number.POSITIVE_INFINITY : v === '-Infinity' ? Number.NEGATIVE_INFINITY : v,
  ) as T;
}

export function expectLegal(space: Space, params: Params): void {
  expect(Object.keys(params).sort()).toEqual(Object.keys(space).sort());
  for (const [name, dim] of Object.entries(space)) {
    const value = params[name];
    expect(contains(dim, value), `${name}=${String(value)} is not a legal value of ${JSON.stringify(dim)}`).toBe(true);
    if (dim.type === 'int') expect(Number.isInteger(value)).toBe(true);
    if (dim.type === 'float') expect(typeof value).toBe('number');
    if (dim.type === 'categorical') expect(dim.choices).toContain(value);
  }
}

/** A conditional space: a chain (optimizer -> beta1 -> a nested choice) and a two-param branch. */
export const CONDITIONAL_SPACE: Space = {
  'args/optimizer': categorical(['SGD', 'Adam', 'AdamW']),
  'hyp/lr0': float(1e-5, 1e-1, { log: true }),
  'hyp/momentum': float(0.6, 0.98, { when: { 'args/optimizer': 'SGD' } }),
  'hyp/beta1': float(0.8, 0.99, { when: { 'args/optimizer': ['Adam', 'AdamW'] } }),
  'args/amsgrad': categorical([true, false], { when: { 'args/optimizer': 'Adam', 'hyp/beta1': [0.8, 0.9] } }),
  'aug/mosaic': categorical([true, false]),
  'hyp/mixup': float(0, 0.5, { when: { 'aug/mosaic': true } }),
  'hyp/scale': int(1, 9, { when: { 'aug/mosaic': true } }),
};

/** Legal values for exactly the active params (inactive ones absent). */
export function expectLegalConditional(space: Space, params: Params): void {
  const active = activeNames(space, params);
  expect(Object.keys(params).sort()).toEqual([...active].sort());
  for (const name of active) expect(contains(space[name], params[name]), `${name}=${String(params[name])}`).toBe(true);
}

function ctxFor(seed: number, trialNumber: number, pending: Params[] = []): AskContext {
  return { rng: createRng(seed, `trial:${trialNumber}`), seed, trialNumber, pending };
}

function trial(number: number, params: Params, patch: Partial<TrialView>): TrialView {
  return { number, id: `t${number}`, params, state: 'complete', intermediate: [], ...patch };
}

export function strategyConformance(c: StrategyCase): void {
  describe(`strategy conformance: ${c.name}`, () => {
    it('gives the same suggestions for the same seed, and different ones for another seed', () => {
      const a = simulate(c.make(), { space: MIXED_SPACE, direction: 'minimize', trials: c.trials, seed: 11, lag: 1 });
      const b = simulate(c.make(), { space: MIXED_SPACE, direction: 'minimize', trials: c.trials, seed: 11, lag: 1 });
      const other = simulate(c.make(), { space: MIXED_SPACE, direction: 'minimize', trials: c.trials, seed: 12, lag: 1 });
      expect(b.steps.map((s) => s.params)).toEqual(a.steps.map((s) => s.params));
      if (c.seeded !== false) expect(other.steps.map((s) => s.params)).not.toEqual(a.steps.map((s) => s.params));
    });

    it('proposes legal values of the right type for every kind of dimension', () => {
      const run = simulate(c.make(), { space: MIXED_SPACE, direction: 'minimize', trials: c.trials, seed: 3, lag: 2, awkward: true });
      for (const step of run.steps) expectLegal(MIXED_SPACE, step.params);
    });

    it('answers with zero history', () => {
      expectLegal(MIXED_SPACE, c.make().ask({ space: MIXED_SPACE, direction: 'minimize', trials: [] }, ctxFor(1, 0)));
    });

    it('answers when every trial failed or was pruned', () => {
      const base = simulate(c.make(), { space: MIXED_SPACE, direction: 'minimize', trials: 24, seed: 5 }).trials;
      const trials = base.map((t, i) =>
        i % 2 === 0
          ? trial(i, t.params, { state: 'failed' })
          : trial(i, t.params, { state: 'pruned', intermediate: i % 4 === 1 ? [] : [{ step: 0, value: i }] }),
      );
      expectLegal(MIXED_SPACE, c.make().ask({ space: MIXED_SPACE, direction: 'minimize', trials }, ctxFor(5, trials.length)));
    });

    it('ignores NaN and infinite objective values without throwing', () => {
      const base = simulate(c.make(), { space: MIXED_SPACE, direction: 'minimize', trials: c.trials, seed: 8 }).trials;
      const bad = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
      const poisoned = base.map((t, i) => (i % 3 === 0 ? { ...t, value: bad[(i / 3) % 3] } : t));
      const clean = poisoned.filter((t) => Number.isFinite(t.value));
      const ask = (trials: TrialView[]): Params => c.make().ask({ space: MIXED_SPACE, direction: 'minimize', trials }, ctxFor(8, base.length));
      const answer = ask(poisoned);
      expectLegal(MIXED_SPACE, answer);
      // A learning strategy must answer as if those trials were never there.
      if (c.learns) expect(answer).toEqual(ask(clean));
    });

    it('gives trial k the same params whether the history was lived or read back after a restart', () => {
      const lived = simulate(c.make(), { space: MIXED_SPACE, direction: 'minimize', trials: c.trials, seed: 21, lag: 2, awkward: true });
      for (const step of lived.steps.filter((_, k) => k % 3 === 0 || k === lived.steps.length - 1)) {
        const restarted = c.make();
        const view = snapshot(step.view);
        const ctx = ctxFor(step.ctx.seed, step.ctx.trialNumber, snapshot([...step.ctx.pending]));
        expect(restarted.ask(view, ctx)).toEqual(step.params);
      }
    });

    it('treats maximize(f) exactly like minimize(-f)', () => {
      const min = simulate(c.make(), { space: MIXED_SPACE, direction: 'minimize', trials: c.trials, seed: 4, lag: 1, awkward: true });
      const max = simulate(c.make(), { space: MIXED_SPACE, direction: 'maximize', trials: c.trials, seed: 4, lag: 1, awkward: true, sign: -1 });
      expect(max.steps.map((s) => s.params)).toEqual(min.steps.map((s) => s.params));
    });

    it('works on a space of only categorical params', () => {
      const space: Space = { 'args/optimizer': categorical(['SGD', 'Adam', 'AdamW']), 'args/cos_lr': categorical([true, false]) };
      const run = simulate(c.make(), { space, direction: 'minimize', trials: c.trials, seed: 2, lag: 1 });
      for (const step of run.steps) expectLegal(space, step.params);
    });

    it('leaves inactive params of a conditional space out and gives the active ones legal values', () => {
      const run = simulate(c.make(), { space: CONDITIONAL_SPACE, direction: 'minimize', trials: c.trials + 8, seed: 6, lag: 1, awkward: true });
      for (const step of run.steps) expectLegalConditional(CONDITIONAL_SPACE, step.params);
      // Both branches of the optimizer get explored (a plain grid walks the last params first).
      if (c.seeded !== false) expect(new Set(run.steps.map((s) => s.params['args/optimizer'])).size).toBeGreaterThan(1);
    });

    it('answers deterministically for several objectives and for constrained trials', () => {
      const base = simulate(c.make(), { space: MIXED_SPACE, direction: 'minimize', trials: c.trials, seed: 14 }).trials;
      const trials = base.map((t, i) => ({
        ...t,
        values: [mixedObjective(MIXED_SPACE, t.params), i % 4, -i],
        constraints: [i % 3 === 0 ? 1 + i : -1],
      }));
      const view: StudyView = { space: MIXED_SPACE, direction: 'minimize', directions: ['minimize', 'minimize', 'maximize'], trials };
      const a = c.make().ask(view, ctxFor(14, trials.length));
      expectLegal(MIXED_SPACE, a);
      expect(c.make().ask(snapshot(view), ctxFor(14, trials.length))).toEqual(a);
      const explained = c.make().explain?.(view, ctxFor(14, trials.length));
      if (explained) expect(explained.reason.length).toBeGreaterThan(0);
    });

    it('answers in a 40-dimensional space', () => {
      const space: Space = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`x${i}`, i % 4 === 3 ? int(0, 9) : float(-1, 1)]));
      const run = simulate(c.make(), { space, direction: 'minimize', trials: c.trials, seed: 9 });
      for (const step of run.steps) expectLegal(space, step.params);
    });
  });
}

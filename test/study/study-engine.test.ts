import { describe, expect, it } from 'vitest';
import { Study, studySeed } from '../../src/study/study.ts';
import { categorical, float } from '../../src/space/index.ts';
import { createStrategy } from '../../strategies/index.ts';
import type { Pruner, Space, Strategy } from '../../src/core/index.ts';

const space = { x: float(0, 1) } as Space;
const never: Pruner = { name: 'none', shouldPrune: () => ({ prune: false }) };
const always: Pruner = { name: 'always', shouldPrune: () => ({ prune: true, reason: 'pruned at once' }) };
const random = (): Strategy => createStrategy({ type: 'random' } as never);

describe('Study (the ask/tell engine)', () => {
  it('the strategy seed wins over the study seed; same seed, same suggestions', () => {
    expect(studySeed(5, 1)).toBe(5);
    expect(studySeed(undefined, 1)).toBe(1);
    expect(studySeed(undefined, undefined)).toBe(0);
    const ask3 = (seed: number) => {
      const study = new Study({ space, direction: 'maximize', strategy: random(), pruner: never, seed, maxTrials: 3 });
      return [0, 1, 2].map(() => study.ask()!.params.x);
    };
    expect(ask3(7)).toEqual(ask3(7));
    expect(ask3(7)).not.toEqual(ask3(8));
  });

  it('counts running and ended trials against the budget, except interrupted and stopped ones', () => {
    const study = new Study({ space, direction: 'maximize', strategy: random(), pruner: never, seed: 0, maxTrials: 2 });
    const a = study.ask()!;
    const b = study.ask()!;
    expect(study.ask()).toBeUndefined();
    study.tell(a, { kind: 'interrupted', reason: 'controller died' });
    const c = study.ask()!;
    expect(c.number).toBe(2);
    study.tell(b, 0.5);
    study.tell(c, { kind: 'failed', reason: 'boom' });
    expect(study.ask()).toBeUndefined();
    expect(study.isFinished()).toBe(true);
    expect(study.view.trials.map((t) => t.number)).toEqual([1, 2]);
    expect(() => study.tell(b, 1)).toThrow(/already told/);
  });

  it('prunes once, honouring minEpochs, and says so from then on', () => {
    const study = new Study({ space, direction: 'maximize', strategy: random(), pruner: always, seed: 0, maxTrials: 1, minEpochs: 2 });
    const trial = study.ask()!;
    trial.report(0, 0.1);
    expect(study.prune(trial)).toBeUndefined();
    trial.report(1, 0.2);
    expect(study.prune(trial)).toBe('pruned at once');
    expect(study.prune(trial)).toBeUndefined();
    expect(trial.shouldPrune()).toBe(true);
  });

  it('runs enqueued params first, skips ones already run, and fills params left out', () => {
    const two = { x: float(0, 1), y: float(0, 1) } as Space;
    const first = new Study({ space: two, direction: 'maximize', strategy: random(), pruner: never, seed: 0, maxTrials: 3, enqueue: [{ x: 0.25, y: 0.5 }, { x: 0.75 }] });
    const a = first.ask()!;
    const b = first.ask()!;
    expect(a).toMatchObject({ params: { x: 0.25, y: 0.5 }, enqueued: true });
    expect(b.params.x).toBe(0.75);
    expect(typeof b.params.y).toBe('number');
    expect(first.ask()!.enqueued).toBe(false);
    first.tell(a, 1);
    const resumed = new Study({ space: two, direction: 'maximize', strategy: random(), pruner: never, seed: 0, maxTrials: 3, history: [a], enqueue: [{ x: 0.25, y: 0.5 }] });
    expect(resumed.ask()!.enqueued).toBe(false);
  });

  it('ends a grid when every point ran, counting warm-start points', () => {
    const grid = { a: categorical([1, 2]), b: categorical(['p', 'q']) } as Space;
    const warm = [{ number: 0, id: 'w0', params: { a: 1, b: 'p' }, state: 'complete' as const, value: 1, intermediate: [] }];
    const study = new Study({ space: grid, direction: 'maximize', strategy: createStrategy({ type: 'grid' } as never), pruner: never, seed: 0, maxTrials: 10, warmStart: warm });
    const asked = [];
    for (let t = study.ask(); t; t = study.ask()) asked.push(t);
    expect(asked.map((t) => `${t.params.a}${t.params.b}`).sort()).toEqual(['1q', '2p', '2q']);
    expect(study.endReason()).toBe('grid exhausted after 4 points');
  });

  it('takes one value per objective, ranks by Pareto front and refuses a pruner with several objectives', () => {
    const two = { directions: ['maximize', 'minimize'] as const };
    expect(() => new Study({ space, direction: 'maximize', ...two, strategy: random(), pruner: always, seed: 0, maxTrials: 1 })).toThrow(
      /pruner "always" needs a single objective, got 2/,
    );
    const study = new Study({ space, direction: 'maximize', ...two, strategy: random(), pruner: never, seed: 0, maxTrials: 4 });
    expect(study.view.directions).toEqual(['maximize', 'minimize']);
    const [a, b, c, d] = [0, 1, 2, 3].map(() => study.ask()!);
    expect(() => study.tell(a, 0.5)).toThrow(/got 1 objective value\(s\) for 2 objective\(s\)/);
    expect(a.state).toBe('running');
    study.tell(a, [0.9, 30]); // front
    study.tell(b, [0.5, 10]); // front
    study.tell(c, [0.4, 40]); // dominated by a and b
    study.tell(d, { kind: 'failed', reason: 'boom' });
    expect(a).toMatchObject({ state: 'complete', value: 0.9, values: [0.9, 30] });
    expect(study.paretoFront().map((t) => t.number)).toEqual([0, 1]);
    expect(study.ranked().map((t) => t.number)).toEqual([0, 1, 2, 3]);
    expect(study.best()!.number).toBe(0);
  });

  it('ranks infeasible trials after feasible ones; best is the best feasible', () => {
    const study = new Study({ space, direction: 'maximize', strategy: random(), pruner: never, seed: 0, maxTrials: 3 });
    const [a, b, c] = [0, 1, 2].map(() => study.ask()!);
    a.setConstraints([0.5]); // violated by 0.5
    study.tell(a, 0.9);
    b.setConstraints([-1]);
    study.tell(b, 0.2);
    c.setConstraints([3]);
    study.tell(c, 0.95);
    expect(study.ranked().map((t) => t.number)).toEqual([1, 0, 2]);
    expect(study.best()!.number).toBe(1);
  });

  it("records the strategy's note per trial, from the same inputs ask gets (budget included)", () => {
    const seen: unknown[] = [];
    const explaining: Strategy = {
      name: 'explaining',
      ask: (view, ctx) => ({ x: ctx.rng() }),
      explain: (view, ctx) => {
        seen.push(ctx.budget);
        ctx.rng(); // drawing here must not move what ask proposes
        return { sampler: 'inner', reason: `${view.trials.length} trials so far` };
      },
    };
    const plain: Strategy = { name: 'plain', ask: (view, ctx) => ({ x: ctx.rng() }) };
    const study = new Study({ space, direction: 'maximize', strategy: explaining, pruner: never, seed: 2, maxTrials: 5 });
    const other = new Study({ space, direction: 'maximize', strategy: plain, pruner: never, seed: 2, maxTrials: 5 });
    const first = study.ask()!;
    expect(first.note).toEqual({ sampler: 'inner', reason: '0 trials so far' });
    expect(first.params).toEqual(other.ask()!.params);
    expect(study.ask()!.note!.reason).toBe('1 trials so far');
    expect(seen).toEqual([5, 5]);
    expect(other.ask()!.note).toBeUndefined();
  });

  it('conditional space: an enqueued entry decides its branch, and the params it makes active are filled', () => {
    const cond = { opt: categorical(['SGD', 'Adam']), m: float(0.6, 0.98, { when: { opt: 'SGD' } }), b1: float(0.8, 0.99, { when: { opt: 'Adam' } }) } as Space;
    const study = new Study({ space: cond, direction: 'maximize', strategy: random(), pruner: never, seed: 0, maxTrials: 3, enqueue: [{ opt: 'SGD', m: 0.9 }, { opt: 'Adam' }, { opt: 'SGD' }] });
    const full = study.ask()!;
    expect(full.params).toEqual({ opt: 'SGD', m: 0.9 });
    expect(Object.keys(study.ask()!.params).sort()).toEqual(['b1', 'opt']);
    expect(Object.keys(study.ask()!.params).sort()).toEqual(['m', 'opt']);
  });

  it('ends a grid over a conditional space once every distinct active point ran', () => {
    const cond = { opt: categorical(['SGD', 'Adam']), m: categorical([0.9, 0.95], { when: { opt: 'SGD' } }) } as Space;
    const study = new Study({ space: cond, direction: 'maximize', strategy: createStrategy({ type: 'grid' } as never), pruner: never, seed: 0, maxTrials: 10 });
    const asked = [];
    for (let t = study.ask(); t; t = study.ask()) asked.push(JSON.stringify(t.params));
    expect(asked.sort()).toEqual(['{"opt":"Adam"}', '{"opt":"SGD","m":0.95}', '{"opt":"SGD","m":0.9}']);
    expect(study.endReason()).toBe('grid exhausted after 3 points');
  });
});

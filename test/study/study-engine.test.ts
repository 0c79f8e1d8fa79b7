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
});

import { describe, expect, it } from 'vitest';
import { createRng, type Params, type Strategy, type StudyView, type TrialView } from '../../src/core/index.ts';
import { categorical, int } from '../../src/space/index.ts';
import { GpStrategy, TpeStrategy } from '../../strategies/index.ts';
import { firstNotPending, paramsKey } from '../../strategies/history.ts';

// A discrete space where every model agrees on one best point, so parallel asks collide unless guarded.
const space = { c: categorical(['a', 'b', 'c']), k: int(0, 1) };
const value = (p: Params): number => (p.c === 'a' ? 0 : p.c === 'b' ? 1 : 2) + (p.k as number);

function history(n: number): StudyView {
  const trials: TrialView[] = Array.from({ length: n }, (_, i) => {
    const params = { c: ['a', 'b', 'c'][i % 3], k: Math.floor(i / 3) % 2 };
    return { number: i, id: String(i), params, state: 'complete', value: value(params), intermediate: [] };
  });
  return { space, direction: 'minimize', trials };
}

const strategies: Array<[string, () => Strategy]> = [
  ['tpe (multivariate)', () => new TpeStrategy({ multivariate: true, nStartupTrials: 5 })],
  ['tpe (univariate)', () => new TpeStrategy({ multivariate: false, nStartupTrials: 5 })],
  ['gp', () => new GpStrategy({ nStartupTrials: 5, sweep: 64, refineStarts: 1, refineEvals: 20, fitMaxIter: 20 })],
];

describe('no two running trials share params', () => {
  for (const [name, make] of strategies) {
    it(`${name}: steps off the running trials, even when they hold the model's favourite`, () => {
      const view = history(24);
      const ask = (pending: Params[]) => make().ask(view, { rng: createRng(7, 'trial:24'), seed: 7, trialNumber: 24, pending });
      const favourite = ask([]);
      // Every running trial holds the favourite or another point; the answer is a free point.
      const running = [favourite, { c: 'b', k: 0 }, { k: 1, c: 'b' }];
      const answer = ask(running);
      expect(running.map(paramsKey)).not.toContain(paramsKey(answer));
      expect(['a', 'b', 'c']).toContain(answer.c);
      expect([0, 1]).toContain(answer.k);
    });

    it(`${name}: start-up points avoid the running trials too`, () => {
      // Five of the six points are running: the only legal answer is the sixth.
      const running = ['a', 'b', 'c'].flatMap((c) => [0, 1].map((k) => ({ c, k }))).filter((p) => !(p.c === 'b' && p.k === 1));
      const answer = make().ask(history(0), { rng: createRng(3, 'trial:5'), seed: 3, trialNumber: 5, pending: running });
      expect(answer).toEqual({ c: 'b', k: 1 });
    });
  }
});

describe('firstNotPending', () => {
  const rng = () => createRng(1, 'test');

  it('keeps the best proposal when nothing is running', () => {
    expect(firstNotPending([{ c: 'a', k: 0 }, { c: 'b', k: 0 }], [], space, rng())).toEqual({ c: 'a', k: 0 });
  });

  it('takes the best proposal no running trial holds, whatever the key order', () => {
    expect(firstNotPending([{ c: 'a', k: 0 }, { c: 'b', k: 1 }], [{ k: 0, c: 'a' }], space, rng())).toEqual({ c: 'b', k: 1 });
  });

  it('draws a free point from the space when every proposal is taken', () => {
    const taken = [{ c: 'a', k: 0 }, { c: 'a', k: 1 }, { c: 'b', k: 0 }, { c: 'b', k: 1 }, { c: 'c', k: 0 }];
    expect(firstNotPending([{ c: 'a', k: 0 }], taken, space, rng())).toEqual({ c: 'c', k: 1 });
  });

  it('returns the best proposal when the space has no free point left', () => {
    const all = ['a', 'b', 'c'].flatMap((c) => [0, 1].map((k) => ({ c, k })));
    expect(firstNotPending([{ c: 'b', k: 1 }], all, space, rng())).toEqual({ c: 'b', k: 1 });
  });
});

import { describe, expect, it } from 'vitest';
import { HyperbandPruner } from '../../../strategies/pruners/index.ts';
import type { TrialView } from '../../../src/core/index.ts';
import { reasonOf, study, trial } from './study.ts';

const at = (v: number, epochs: number) => Array.from({ length: epochs }, () => v);

describe('HyperbandPruner', () => {
  const hb = new HyperbandPruner({ minEpochs: 1, maxEpochs: 27, reductionFactor: 3 });

  it('has floor(log_eta(max/min)) + 1 brackets with the paper budgets ceil(B * eta^s / (s + 1))', () => {
    expect(hb.nBrackets).toBe(4);
    expect(hb.budgets).toEqual([27, 12, 6, 4]);
    expect(new HyperbandPruner({ minEpochs: 3, maxEpochs: 30 }).budgets).toEqual([9, 5, 3]);
  });

  it('assigns brackets deterministically from the trial number, in proportion to the budgets', () => {
    const other = new HyperbandPruner({ minEpochs: 1, maxEpochs: 27, reductionFactor: 3 });
    const numbers = Array.from({ length: 4900 }, (_, n) => n);
    const brackets = numbers.map((n) => hb.bracketOf(n));
    expect(numbers.map((n) => other.bracketOf(n))).toEqual(brackets);
    const counts = [0, 0, 0, 0];
    for (const b of brackets) counts[b]++;
    // Expected shares 27/49, 12/49, 6/49, 4/49 of 4900 = 2700, 1200, 600, 400.
    [2700, 1200, 600, 400].forEach((expected, b) => expect(Math.abs(counts[b] - expected)).toBeLessThan(expected * 0.15));
  });

  it('compares a trial only with trials of its own bracket', () => {
    const numbersIn = (b: number, count: number): number[] => {
      const out: number[] = [];
      for (let n = 0; out.length < count; n++) if (hb.bracketOf(n) === b) out.push(n);
      return out;
    };
    const [me, ...mates] = numbersIn(0, 4); // bracket 0: rungs at 1, 3, 9 epochs
    const strangers = [1, 2, 3].flatMap((b) => numbersIn(b, 3)).map((n) => trial(n, at(0.99, 27)));
    // Better than its 3 bracket mates (top 1 of 4 is kept), far worse than the strangers.
    const mine: TrialView[] = mates.map((n) => trial(n, at(0.1, 27)));
    const t = trial(me, at(0.5, 1), 'running');
    expect(hb.shouldPrune(study([...strangers, ...mine, t]), t).prune).toBe(false);
    // Worse than its bracket mates: pruned, whatever trials of other brackets did.
    const better = mates.map((n) => trial(n, at(0.9, 27)));
    const weakStrangers = [1, 2, 3].flatMap((b) => numbersIn(b, 3)).map((n) => trial(n, at(0.01, 27)));
    const verdict = hb.shouldPrune(study([...weakStrangers, ...better, t]), t);
    expect(verdict).toEqual({
      prune: true,
      reason: 'pruned at epoch 0: 0.5 at the 1-epoch rung of bracket 0/4 is not in the top 1 of 4 trials (needs >= 0.9)',
    });
  });

  it('shifts rungs up by one power of eta per bracket; the last bracket never prunes', () => {
    const [inOne] = Array.from({ length: 200 }, (_, n) => n).filter((n) => hb.bracketOf(n) === 1);
    const mates = Array.from({ length: 200 }, (_, n) => n).filter((n) => hb.bracketOf(n) === 1 && n !== inOne).slice(0, 5);
    const field = mates.map((n) => trial(n, at(0.9, 27)));
    const early = trial(inOne, at(0.1, 1), 'running'); // bracket 1's first rung is 3 epochs
    expect(hb.shouldPrune(study([...field, early]), early).prune).toBe(false);
    const atRung = trial(inOne, at(0.1, 3), 'running');
    expect(reasonOf(hb.shouldPrune(study([...field, atRung]), atRung))).toContain('at the 3-epoch rung of bracket 1/4');
    const [last, ...lastMates] = Array.from({ length: 400 }, (_, n) => n).filter((n) => hb.bracketOf(n) === 3);
    const lastField = lastMates.slice(0, 5).map((n) => trial(n, at(0.9, 27)));
    for (const epochs of [1, 3, 9, 26]) {
      const t = trial(last, at(0.1, epochs), 'running'); // its only rung (27) is maxEpochs
      expect(hb.shouldPrune(study([...lastField, t]), t).prune).toBe(false);
    }
  });

  it('rejects bad options by name', () => {
    expect(() => new HyperbandPruner({ maxEpochs: 30, reductionFactor: 0.5 })).toThrow('hyperband pruner: reductionFactor must be > 1 (try 3), got 0.5');
    expect(() => new HyperbandPruner({ minEpochs: 10, maxEpochs: 5 })).toThrow('maxEpochs must be an integer >= minEpochs (10), got 5');
  });
});

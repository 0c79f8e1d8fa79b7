import { describe, expect, it } from 'vitest';
import { AshaPruner, isPromotable, rungEpochs, valueAtRung } from '../../../strategies/pruners/index.ts';
import { reasonOf, study, trial } from './study.ts';

/** A curve whose value at every step is `v`, `epochs` long. */
const at = (v: number, epochs: number) => Array.from({ length: epochs }, () => v);

describe('successive-halving math', () => {
  it('places rungs at minEpochs * eta^(rate + k)', () => {
    const o = { minResource: 2, reductionFactor: 3, minEarlyStoppingRate: 0, bootstrapCount: 0 };
    expect([0, 1, 2, 3].map((k) => rungEpochs(o, k))).toEqual([2, 6, 18, 54]);
    expect([0, 1].map((k) => rungEpochs({ ...o, minEarlyStoppingRate: 1 }, k))).toEqual([6, 18]);
  });

  it('promotes the top floor(n / eta), and only the best while n < eta', () => {
    const nine = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
    expect(isPromotable(0.7, nine, 3, 'maximize')).toBe(true); // 3rd of 9
    expect(isPromotable(0.6, nine, 3, 'maximize')).toBe(false); // 4th of 9
    expect(isPromotable(0.3, nine, 3, 'minimize')).toBe(true);
    expect(isPromotable(0.4, nine, 3, 'minimize')).toBe(false);
    expect(isPromotable(0.5, [0.5, 0.6], 3, 'maximize')).toBe(false);
    expect(isPromotable(0.6, [0.5, 0.6], 3, 'maximize')).toBe(true);
    expect(isPromotable(0.5, [0.5, 0.5, 0.1, 0.1], 2, 'maximize')).toBe(true); // ties promote
  });

  it('reads a rung value at the first report that reached the rung', () => {
    const points = [0, 2, 7].map((step, i) => ({ step, value: i / 10 }));
    expect(valueAtRung(points, 1)).toBe(0); // step 0 = 1 epoch
    expect(valueAtRung(points, 3)).toBe(0.1); // step 2 = 3 epochs
    expect(valueAtRung(points, 5)).toBe(0.2); // first reached at step 7
    expect(valueAtRung(points, 9)).toBeUndefined();
  });
});

describe('AshaPruner', () => {
  // Rungs at 1, 3, 9 epochs (steps 0, 2, 8).
  const asha = new AshaPruner({ minEpochs: 1, reductionFactor: 3 });
  // Eight finished trials with values 0.1 .. 0.8 at every epoch.
  const peers = Array.from({ length: 8 }, (_, i) => trial(i, at((i + 1) / 10, 12)));

  it('at a rung, keeps the top third of the trials that reached it and prunes the rest', () => {
    const fourth = trial(8, at(0.55, 3), 'running'); // with 8 peers: n = 9, keep 3 (0.8, 0.7, 0.6)
    expect(asha.shouldPrune(study([...peers, fourth]), fourth)).toEqual({
      prune: true,
      reason: 'pruned at epoch 2: 0.55 at the 3-epoch rung is not in the top 3 of 9 trials (needs >= 0.6)',
    });
    const top = trial(8, at(0.6, 3), 'running'); // ties with the 3rd: promoted
    expect(asha.shouldPrune(study([...peers, top]), top).prune).toBe(false);
  });

  it('judges only at the report that crosses a rung', () => {
    const between = trial(8, at(0.05, 5), 'running'); // 5 epochs: rungs 1 and 3 were crossed earlier
    expect(asha.shouldPrune(study([...peers, between]), between).prune).toBe(false);
    const atRung = trial(8, at(0.05, 9), 'running'); // crosses the 9-epoch rung now
    expect(asha.shouldPrune(study([...peers, atRung]), atRung).prune).toBe(true);
    const jumped = trial(8, [0.05, 0.05], 'running', [0, 8]); // crosses rungs 3 and 9 in one report
    expect(reasonOf(asha.shouldPrune(study([...peers, jumped]), jumped))).toContain('at the 3-epoch rung');
  });

  it('compares values at the rung, not later values, and ignores failed trials', () => {
    // Peers that were bad at the 3-epoch rung but excellent afterwards do not count as good there.
    const late = Array.from({ length: 8 }, (_, i) => trial(i, [0.1, 0.1, 0.1, 0.99, 0.99]));
    const t = trial(8, at(0.2, 3), 'running');
    expect(asha.shouldPrune(study([...late, t]), t).prune).toBe(false);
    const failed = Array.from({ length: 8 }, (_, i) => trial(i, at(0.9, 5), 'failed'));
    expect(asha.shouldPrune(study([...failed, t]), t).prune).toBe(false); // alone at the rung
  });

  it('respects minimize', () => {
    const losses = Array.from({ length: 8 }, (_, i) => trial(i, at((i + 1) / 10, 12)));
    const good = trial(8, at(0.25, 3), 'running');
    expect(asha.shouldPrune(study([...losses, good], 'minimize'), good).prune).toBe(false);
    const bad = trial(8, at(0.35, 3), 'running');
    expect(reasonOf(asha.shouldPrune(study([...losses, bad], 'minimize'), bad))).toBe(
      'pruned at epoch 2: 0.35 at the 3-epoch rung is not in the top 3 of 9 trials (needs <= 0.3)',
    );
  });

  it('bootstrapCount promotes freely until enough trials reached the rung', () => {
    const boot = new AshaPruner({ minEpochs: 1, reductionFactor: 3, bootstrapCount: 4 });
    const three = peers.slice(5); // 0.6, 0.7, 0.8
    const t = trial(8, at(0.1, 1), 'running');
    expect(boot.shouldPrune(study([...three.slice(0, 2), t]), t).prune).toBe(false); // 3 < 4
    expect(boot.shouldPrune(study([...three, t]), t).prune).toBe(true); // 4 reached it
  });

  it('skips rungs at or beyond maxEpochs', () => {
    const capped = new AshaPruner({ minEpochs: 1, reductionFactor: 3, maxEpochs: 9 });
    const t = trial(8, at(0.01, 9), 'running');
    expect(capped.shouldPrune(study([...peers, t]), t).prune).toBe(false);
  });

  it('rejects a reduction factor <= 1 and minEpochs > maxEpochs', () => {
    expect(() => new AshaPruner({ reductionFactor: 1 })).toThrow('asha pruner: reductionFactor must be > 1 (try 3), got 1');
    expect(() => new AshaPruner({ minEpochs: 5, maxEpochs: 3 })).toThrow('asha pruner: maxEpochs must be an integer >= minEpochs (5), got 3');
  });
});

import { describe, expect, it } from 'vitest';
import { MedianPruner, PercentilePruner } from '../../../strategies/pruners/index.ts';
import { flat, study, trial } from './study.ts';

/** Five completed trials, flat at 0.5 .. 0.9 for 10 epochs: the median at every epoch is 0.7. */
const done = [0.5, 0.6, 0.7, 0.8, 0.9].map((v, i) => trial(i, flat(v, 10)));

describe('PercentilePruner / MedianPruner', () => {
  it('prunes a trial below the median with a readable reason, and keeps one above it', () => {
    const pruner = new MedianPruner({ nWarmupSteps: 0, nStartupTrials: 5 });
    const bad = trial(5, flat(0.31, 4), 'running');
    expect(pruner.shouldPrune(study([...done, bad]), bad)).toEqual({
      prune: true,
      reason: 'pruned at epoch 3: 0.31 below median 0.7 of 5 completed trials at that epoch',
    });
    const good = trial(5, flat(0.75, 4), 'running');
    expect(pruner.shouldPrune(study([...done, good]), good)).toEqual({ prune: false });
  });

  it('never prunes during warm-up epochs', () => {
    const pruner = new MedianPruner({ nWarmupSteps: 3, nStartupTrials: 0 });
    for (let n = 1; n <= 3; n++) {
      const t = trial(5, flat(0.1, n), 'running'); // last step n-1 < 3
      expect(pruner.shouldPrune(study([...done, t]), t).prune).toBe(false);
    }
    const t = trial(5, flat(0.1, 4), 'running');
    expect(pruner.shouldPrune(study([...done, t]), t).prune).toBe(true);
  });

  it('never prunes before nStartupTrials trials have completed', () => {
    const pruner = new MedianPruner({ nWarmupSteps: 0, nStartupTrials: 5 });
    const t = trial(5, flat(0.1, 3), 'running');
    // The pruned and running ones do not count as completed.
    const four = [...done.slice(0, 4), trial(6, flat(0.9, 3), 'pruned'), trial(7, flat(0.9, 3), 'running')];
    expect(pruner.shouldPrune(study([...four, t]), t).prune).toBe(false);
    expect(pruner.shouldPrune(study([...done, t]), t).prune).toBe(true);
  });

  it('decides only at the first report of each interval, also when steps are skipped', () => {
    const pruner = new MedianPruner({ nWarmupSteps: 2, intervalSteps: 3, nStartupTrials: 0 });
    const at = (n: number) => {
      const t = trial(5, flat(0.1, n), 'running');
      return pruner.shouldPrune(study([...done, t]), t).prune;
    };
    // Checks at steps 2, 5, 8 only.
    expect([3, 4, 5, 6, 7, 8, 9].map(at)).toEqual([true, false, false, true, false, false, true]);
    const skipping = trial(5, [0.1, 0.1, 0.1], 'running', [0, 1, 6]); // jumps over the mark at 5
    expect(pruner.shouldPrune(study([...done, skipping]), skipping).prune).toBe(true);
    const insideInterval = trial(5, [0.1, 0.1, 0.1], 'running', [0, 5, 7]); // mark 5 already checked
    expect(pruner.shouldPrune(study([...done, insideInterval]), insideInterval).prune).toBe(false);
  });

  it('respects minimize: prunes the trial above the median', () => {
    const losses = [0.1, 0.2, 0.3, 0.4, 0.5].map((v, i) => trial(i, flat(v, 10)));
    const pruner = new MedianPruner({ nWarmupSteps: 0, nStartupTrials: 1 });
    const bad = trial(5, flat(0.9, 2), 'running');
    expect(pruner.shouldPrune(study([...losses, bad], 'minimize'), bad)).toEqual({
      prune: true,
      reason: 'pruned at epoch 1: 0.9 above median 0.3 of 5 completed trials at that epoch',
    });
    const good = trial(5, flat(0.2, 2), 'running');
    expect(pruner.shouldPrune(study([...losses, good], 'minimize'), good).prune).toBe(false);
  });

  it('keeps the top `percentile` percent in either direction', () => {
    const top25 = new PercentilePruner({ percentile: 25, nWarmupSteps: 0, nStartupTrials: 0 });
    const below = trial(5, flat(0.75, 3), 'running'); // cut = 75th percentile of 0.5..0.9 = 0.8
    const verdict = top25.shouldPrune(study([...done, below]), below);
    expect(verdict).toEqual({
      prune: true,
      reason: 'pruned at epoch 2: 0.75 below the top-25% cut 0.8 (75th percentile of 5 completed trials) at that epoch',
    });
    const above = trial(5, flat(0.85, 3), 'running');
    expect(top25.shouldPrune(study([...done, above]), above).prune).toBe(false);
    // Minimize: the cut is the 25th percentile, 0.6.
    expect(top25.shouldPrune(study([...done, trial(5, flat(0.65, 3), 'running')], 'minimize'), trial(5, flat(0.65, 3), 'running')).prune).toBe(true);
    expect(top25.shouldPrune(study([...done, trial(5, flat(0.55, 3), 'running')], 'minimize'), trial(5, flat(0.55, 3), 'running')).prune).toBe(false);
  });

  it("judges a trial by its best value so far, against others' values at the same epoch", () => {
    const pruner = new MedianPruner({ nWarmupSteps: 0, nStartupTrials: 0 });
    const dipped = trial(5, [0.3, 0.8, 0.6], 'running'); // best 0.8 > median 0.7
    expect(pruner.shouldPrune(study([...done, dipped]), dipped).prune).toBe(false);
    // Completed trials that never reported epoch 12 give no reference: no verdict.
    const late = trial(5, [0.1], 'running', [12]);
    expect(pruner.shouldPrune(study([...done, late]), late).prune).toBe(false);
  });

  it('needs nMinTrials references at the step', () => {
    const pruner = new MedianPruner({ nWarmupSteps: 0, nStartupTrials: 0, nMinTrials: 3 });
    const short = [trial(0, flat(0.9, 10)), trial(1, flat(0.9, 10)), trial(2, flat(0.9, 2))];
    const t = trial(3, flat(0.1, 5), 'running');
    expect(pruner.shouldPrune(study([...short, t]), t).prune).toBe(false); // 2 trials reported step 4
    expect(pruner.shouldPrune(study([...short, trial(4, flat(0.9, 10)), t]), t).prune).toBe(true);
  });

  it('prunes a NaN report once past warm-up', () => {
    const pruner = new MedianPruner({ nWarmupSteps: 0, nStartupTrials: 0 });
    const t = trial(5, [0.8, NaN], 'running');
    expect(pruner.shouldPrune(study([...done, t]), t)).toEqual({ prune: true, reason: 'pruned at epoch 1: reported NaN' });
  });

  it('median is percentile 50', () => {
    const median = new MedianPruner({ nWarmupSteps: 0, nStartupTrials: 0 });
    const p50 = new PercentilePruner({ percentile: 50, nWarmupSteps: 0, nStartupTrials: 0 });
    for (const v of [0.1, 0.65, 0.7, 0.71, 0.95]) {
      const t = trial(5, flat(v, 3), 'running');
      expect(median.shouldPrune(study([...done, t]), t).prune).toBe(p50.shouldPrune(study([...done, t]), t).prune);
    }
  });

  it('rejects bad options naming the option and the value', () => {
    expect(() => new PercentilePruner({ percentile: 150 })).toThrow('percentile pruner: percentile must be between 0 and 100, got 150');
    expect(() => new MedianPruner({ intervalSteps: 0 })).toThrow('percentile pruner: intervalSteps must be an integer >= 1, got 0');
    expect(() => new MedianPruner({ nStartupTrials: -1 })).toThrow('nStartupTrials must be an integer >= 0, got -1');
  });
});

import { describe, expect, it } from 'vitest';
import { optimize, TrialPruned, type TrialHandle } from '../../../src/study/optimize.ts';
import { float } from '../../../src/space/index.ts';
import type { Params } from '../../../src/core/index.ts';
import type { PrunerInput } from '../../../strategies/pruners/index.ts';

/** Curves that never cross: value(e) = x * (e + 1) / 10, so the largest x is the best at every epoch. */
async function objective(params: Params, trial: TrialHandle): Promise<number> {
  const x = params.x as number;
  for (let e = 0; e < 10; e++) {
    trial.report(e, (x * (e + 1)) / 10);
    if (e < 9 && trial.shouldPrune()) throw new TrialPruned();
  }
  return x;
}

async function run(pruner: PrunerInput) {
  return optimize({ space: { x: float(0, 1) }, direction: 'maximize', objective, pruner, trials: 40, seed: 3 });
}

describe('optimize() with a pruner', () => {
  it.each<[string, PrunerInput]>([
    ['median', { type: 'median', nStartupTrials: 3, nWarmupEpochs: 2 }],
    ['asha', { type: 'asha', minEpochs: 1, reductionFactor: 3 }],
    ['hyperband', { type: 'hyperband', minEpochs: 1, maxEpochs: 10, reductionFactor: 3 }],
  ])('%s prunes bad trials and the best trial completes', async (_name, pruner) => {
    const result = await run(pruner);
    const pruned = result.history.filter((t) => t.state === 'pruned');
    const complete = result.history.filter((t) => t.state === 'complete');
    expect(pruned.length).toBeGreaterThan(10);
    // A pruned trial stopped early and kept its reports.
    for (const t of pruned) expect(t.intermediate.length).toBeGreaterThan(0);
    expect(pruned.every((t) => t.intermediate.length < 10)).toBe(true);
    // The trial with the largest x dominates at every epoch: it is never pruned and ranks first.
    const bestX = Math.max(...result.history.map((t) => t.params.x as number));
    expect(result.best?.params.x).toBe(bestX);
    expect(complete.some((t) => t.params.x === bestX)).toBe(true);
    // Whatever the rule, the trial that leads at every epoch is never the one cut.
    expect(Math.max(...pruned.map((t) => t.params.x as number))).toBeLessThan(bestX);
  });

  it('none never prunes', async () => {
    const result = await run({ type: 'none' });
    expect(result.history.every((t) => t.state === 'complete' && t.intermediate.length === 10)).toBe(true);
  });
});

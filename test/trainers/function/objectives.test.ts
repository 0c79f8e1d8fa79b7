import { describe, expect, it } from 'vitest';
import { createRng, HpoError, type Params } from '../../../src/core/index.ts';
import { sampleSpace } from '../../../src/space/index.ts';
import {
  branin,
  getObjective,
  hartmann6,
  learningCurve,
  meanMap,
  objectiveNames,
  quadratic,
  type BuiltinObjective,
} from '../../../src/trainers/function/objectives/index.ts';

const METRIC = 'metrics/mAP_0.5:0.95';

function run(objective: BuiltinObjective, params: Params, epochs: number, seed: number): Record<string, number>[] {
  const rng = createRng(seed, 'task');
  return Array.from({ length: epochs }, (_, e) => objective.epoch(params, e, epochs, rng));
}

describe('learning-curve objective', () => {
  const fast = { 'hyp/lr0': 0.06, 'hyp/momentum': 0.9 }; // high LR: starts fast, plateaus low
  const tuned = { 'hyp/lr0': 0.012, 'hyp/momentum': 0.88 };

  it('is deterministic given the rng, and the rng matters', () => {
    expect(run(learningCurve, tuned, 30, 7)).toEqual(run(learningCurve, tuned, 30, 7));
    expect(run(learningCurve, tuned, 30, 8)[10][METRIC]).not.toBe(run(learningCurve, tuned, 30, 7)[10][METRIC]);
  });

  it('reports the YOLOv5 scalars, mAP in [0, 1]', () => {
    const rng = createRng(1);
    const rows = Array.from({ length: 50 }, (_, i) => run(learningCurve, sampleSpace(learningCurve.space, rng), 30, i)).flat();
    const keys = new Set(rows.map((row) => Object.keys(row).sort().join(',')));
    expect([...keys]).toEqual([['metrics/mAP_0.5', METRIC, 'train/box_loss', 'val/box_loss', 'x/lr0'].sort().join(',')]);
    const bad = rows.filter((r) => !(r[METRIC] >= 0 && r[METRIC] <= 1 && r['metrics/mAP_0.5'] >= r[METRIC] && r['metrics/mAP_0.5'] <= 1));
    expect(bad).toEqual([]);
    expect(rows.every((r) => Object.values(r).every(Number.isFinite))).toBe(true);
  });

  it('has curves that cross: a high LR leads early and ends lower', () => {
    expect(meanMap(fast, 4, 30)).toBeGreaterThan(meanMap(tuned, 4, 30) + 0.02);
    expect(meanMap(tuned, 29, 30)).toBeGreaterThan(meanMap(fast, 29, 30) + 0.05);
    // With noise too, averaged over seeds.
    const mean = (p: Params, e: number) => [1, 2, 3, 4, 5].reduce((s, seed) => s + run(learningCurve, p, 30, seed)[e][METRIC], 0) / 5;
    expect(mean(fast, 4)).toBeGreaterThan(mean(tuned, 4));
    expect(mean(tuned, 29)).toBeGreaterThan(mean(fast, 29));
  });

  it('has small but real noise', () => {
    const noisy = run(learningCurve, tuned, 30, 3).map((r) => r[METRIC]);
    const residuals = noisy.map((v, e) => v - meanMap(tuned, e, 30));
    const sd = Math.sqrt(residuals.slice(10).reduce((s, r) => s + r * r, 0) / 20);
    expect(sd).toBeGreaterThan(0.001);
    expect(sd).toBeLessThan(0.02);
  });

  it('puts the best learning rate inside the range, not at an end', () => {
    const lrs = Array.from({ length: 31 }, (_, i) => 1e-4 * 1000 ** (i / 30));
    const finals = lrs.map((lr) => meanMap({ ...tuned, 'hyp/lr0': lr }, 29, 30));
    const best = finals.indexOf(Math.max(...finals));
    expect(best).toBeGreaterThan(3);
    expect(best).toBeLessThan(27);
    const momenta = Array.from({ length: 20 }, (_, i) => 0.6 + 0.02 * i);
    const byMomentum = momenta.map((m) => meanMap({ ...tuned, 'hyp/momentum': m }, 29, 30));
    const bestM = byMomentum.indexOf(Math.max(...byMomentum));
    expect(bestM).toBeGreaterThan(1);
    expect(bestM).toBeLessThan(18);
  });

  it('learns faster with a longer schedule at the same epoch (the LR decays later)', () => {
    expect(meanMap(tuned, 19, 100)).toBeGreaterThan(meanMap(tuned, 19, 30));
  });

  it('names a non-numeric param', () => {
    expect(() => learningCurve.epoch({ 'hyp/lr0': 'fast' }, 0, 30, createRng(1))).toThrow(/hyp\/lr0 must be a finite number, got "fast"/);
  });
});

describe('synthetic objectives', () => {
  it('hit their known optima', () => {
    expect(branin(Math.PI, 2.275)).toBeCloseTo(0.397887, 5);
    expect(hartmann6([0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573])).toBeCloseTo(-3.32237, 4);
    expect(quadratic({ x: 1, y: 1, 'args/epochs': 5 })).toBe(0);
    expect(quadratic({ x: 3, y: 0 })).toBe(5);
  });

  it('report `objective`, constant over epochs', () => {
    for (const name of ['branin', 'hartmann6', 'quadratic']) {
      const o = getObjective(name);
      const rows = run(o, o.defaults, 3, 1);
      expect(rows[0]).toEqual({ objective: expect.any(Number) });
      expect(rows[2]).toEqual(rows[0]);
      expect(o.direction).toBe('minimize');
    }
  });
});

describe('getObjective', () => {
  it('finds every registered objective by name', () => {
    expect(objectiveNames).toEqual(['learning-curve', 'branin', 'hartmann6', 'quadratic']);
    for (const name of objectiveNames) expect(getObjective(name).name).toBe(name);
  });

  it('throws OBJECTIVE_UNKNOWN listing the known names', () => {
    let error: unknown;
    try {
      getObjective('learning_curve');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HpoError);
    expect((error as HpoError).code).toBe('OBJECTIVE_UNKNOWN');
    expect((error as HpoError).message).toBe(
      'Unknown objective "learning_curve": the function trainer knows learning-curve, branin, hartmann6, quadratic. Set trainer.objective to one of them.',
    );
    expect(() => getObjective('toString')).toThrow('Unknown objective "toString"');
  });
});

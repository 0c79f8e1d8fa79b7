import { describe, expect, it } from 'vitest';
import {
  baseAccumulate, interp, iterationSettings, lrFactor, roundHalfEven, scaledWeightDecay, shouldStep,
  warmupIterations, type ScheduleConfig,
} from '../../../../src/trainers/yolov5/train/schedule.ts';

const config: ScheduleConfig = {
  epochs: 10, batchesPerEpoch: 20, batchSize: 16, nbs: 64, lr0: 0.01, lrf: 0.01, momentum: 0.937,
  warmupEpochs: 3, warmupMomentum: 0.8, warmupBiasLr: 0.1, cosLr: false,
};

describe('YOLOv5 schedule', () => {
  it('rounds halves to even like Python', () => {
    expect([0.5, 1.5, 2.5, 3.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 4, 2, 3]);
    expect(interp(-1, [0, 10], [1, 2])).toBe(1);
    expect(interp(11, [0, 10], [1, 2])).toBe(2);
    expect(interp(2.5, [0, 10], [1, 2])).toBe(1.25);
  });

  it('decays lr linearly or by one_cycle cosine to lrf', () => {
    expect(lrFactor(0, config)).toBe(1);
    expect(lrFactor(5, config)).toBeCloseTo(0.505, 12);
    expect(lrFactor(10, config)).toBeCloseTo(0.01, 12);
    const cos = { ...config, cosLr: true };
    expect(lrFactor(0, cos)).toBeCloseTo(1, 12);
    expect(lrFactor(5, cos)).toBeCloseTo(0.505, 12);
    expect(lrFactor(2.5, cos)).toBeCloseTo(0.855017856, 8);
    expect(lrFactor(10, cos)).toBeCloseTo(0.01, 12);
  });

  it('warms up for max(round(warmup_epochs * nb), 100) iterations', () => {
    expect(warmupIterations(config)).toBe(100);
    expect(warmupIterations({ warmupEpochs: 3, batchesPerEpoch: 50 })).toBe(150);
    expect(warmupIterations({ warmupEpochs: 2.5, batchesPerEpoch: 41 })).toBe(102); // 102.5 -> 102
  });

  it('scales weight decay and accumulation to the nominal batch', () => {
    expect(baseAccumulate({ nbs: 64, batchSize: 16 })).toBe(4);
    expect(baseAccumulate({ nbs: 64, batchSize: 24 })).toBe(3);
    expect(baseAccumulate({ nbs: 64, batchSize: 128 })).toBe(1);
    expect(scaledWeightDecay(0.0005, { nbs: 64, batchSize: 16 })).toBeCloseTo(0.0005, 12);
    expect(scaledWeightDecay(0.0005, { nbs: 64, batchSize: 24 })).toBeCloseTo(0.0005625, 12);
  });

  it('interpolates lr, momentum and accumulation during warmup', () => {
    const start = iterationSettings(0, 0, config);
    expect(start.lr).toEqual([0.1, 0, 0]);
    expect(start.momentum).toBe(0.8);
    expect(start.accumulate).toBe(1);

    // ni 50 of 100, epoch 2: target = 0.01 * (0.8 * 0.99 + 0.01) = 0.00802
    const mid = iterationSettings(50, 2, config);
    expect(mid.lr[0]).toBeCloseTo(0.05401, 12);
    expect(mid.lr[1]).toBeCloseTo(0.00401, 12);
    expect(mid.lr[2]).toBeCloseTo(0.00401, 12);
    expect(mid.momentum).toBeCloseTo(0.8685, 12);
    expect(mid.accumulate).toBe(2); // round(2.5) = 2

    const end = iterationSettings(100, 5, config);
    expect(end.lr.map((x) => Number(x.toFixed(12)))).toEqual([0.00505, 0.00505, 0.00505]);
    expect(end.momentum).toBeCloseTo(0.937, 12);
    expect(end.accumulate).toBe(4);
  });

  it('runs every group at lr0 * lf(epoch) after warmup', () => {
    const s = iterationSettings(150, 7, config);
    for (const lr of s.lr) expect(lr).toBeCloseTo(0.00307, 12);
    expect(s.momentum).toBe(0.937);
    expect(s.accumulate).toBe(4);
  });

  it('steps the optimizer every `accumulate` iterations (last_opt_step rule)', () => {
    const steps: number[] = [];
    let last = -1;
    for (let ni = 0; ni < 24; ni++) {
      const { accumulate } = iterationSettings(ni, 0, { ...config, warmupEpochs: 0.5 }); // nw = 100
      if (shouldStep(ni, last, accumulate)) {
        steps.push(ni);
        last = ni;
      }
    }
    // accumulate is 1 until ni = 16 (1 + 3*16/100 = 1.48), then 2
    expect(steps).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22]);
    const after: number[] = [];
    last = 199;
    for (let ni = 200; ni < 213; ni++) if (shouldStep(ni, last, 4)) after.push((last = ni));
    expect(after).toEqual([203, 207, 211]);
  });
});

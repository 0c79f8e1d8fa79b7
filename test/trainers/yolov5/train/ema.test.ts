import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ModelEMA, emaDecay } from '../../../../src/trainers/yolov5/train/ema.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('ModelEMA', () => {
  it('ramps the decay as 0.9999 * (1 - exp(-updates / 2000))', () => {
    expect(emaDecay(0)).toBe(0);
    expect(emaDecay(1)).toBeCloseTo(0.000499825, 9);
    expect(emaDecay(2000)).toBeCloseTo(0.9999 * (1 - Math.exp(-1)), 12);
    expect(emaDecay(1e6)).toBeCloseTo(0.9999, 12);
  });

  it('averages weights and buffers with the ramped decay', () => {
    const weight = tf.variable(tf.tensor1d([1, 2]));
    const runningMean = tf.variable(tf.tensor1d([4]), false);
    const avgWeight = tf.variable(tf.zeros([2]));
    const avgMean = tf.variable(tf.zeros([1]), false);
    const ema = new ModelEMA([weight, runningMean], [avgWeight, avgMean], { copy: false });
    const d1 = ema.update();
    expect(d1).toBeCloseTo(0.000499825, 9);
    // ema = d*0 + (1-d)*x
    expect(avgWeight.dataSync()[1]).toBeCloseTo(2 * 0.999500175, 6);
    expect(avgMean.dataSync()[0]).toBeCloseTo(4 * 0.999500175, 6);
    weight.assign(tf.tensor1d([3, 3]));
    const d2 = ema.update();
    expect(d2).toBeCloseTo(0.0009994003, 9);
    expect(avgWeight.dataSync()[0]).toBeCloseTo(d2 * 0.999500175 + (1 - d2) * 3, 6);
    expect(ema.updates).toBe(2);
  });

  it('starts as a copy of the model and rejects mismatched shapes', () => {
    const w = tf.variable(tf.tensor2d([[1, 2]]));
    const avg = tf.variable(tf.zeros([1, 2]));
    new ModelEMA([w], [avg]);
    expect(Array.from(avg.dataSync())).toEqual([1, 2]);
    expect(() => new ModelEMA([w], [tf.variable(tf.zeros([2]))])).toThrow(/has shape \[1,2\] but its average has \[2\]/);
  });

  it('does not leak tensors', () => {
    const w = tf.variable(tf.ones([8, 8]));
    const ema = new ModelEMA([w], [tf.variable(tf.zeros([8, 8]))]);
    ema.update();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) ema.update();
    expect(tf.memory().numTensors).toBe(before);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { GradientAccumulator, YoloOptimizer, clipCoefficient } from '../../../../src/trainers/yolov5/train/optimizer.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function values(v: tf.Variable): number[] {
  return Array.from(v.dataSync());
}

function setup(name: 'SGD' | 'Adam' | 'AdamW', weightDecay: number) {
  const bias = tf.variable(tf.tensor1d([1, -2]));
  const weight = tf.variable(tf.tensor1d([2]));
  const bn = tf.variable(tf.tensor1d([3]));
  const opt = new YoloOptimizer({ biases: [bias], weights: [weight], bnWeights: [bn] }, { name, weightDecay, beta1: 0.9, maxGradNorm: 0 });
  const grads = [tf.tensor1d([0.5, 0.25]), tf.tensor1d([1]), tf.tensor1d([-1])];
  return { bias, weight, bn, opt, grads };
}

describe('YoloOptimizer', () => {
  it('SGD Nesterov matches a hand computation over two steps and three groups', () => {
    const { bias, weight, bn, opt, grads } = setup('SGD', 0.01);
    opt.step(grads, { lr: [0.1, 0.1, 0.2], momentum: 0.9 });
    // buf = g; p -= lr * (g + mu*buf) = lr * 1.9 g
    expect(values(bias)[0]).toBeCloseTo(0.905, 6);
    expect(values(bias)[1]).toBeCloseTo(-2.0475, 6);
    // weight decay only on group 1: g = 1 + 0.01*2 = 1.02; p = 2 - 0.1*1.938
    expect(values(weight)[0]).toBeCloseTo(1.8062, 6);
    expect(values(bn)[0]).toBeCloseTo(3.38, 6);
    opt.step(grads, { lr: [0.1, 0.1, 0.2], momentum: 0.9 });
    // buf = 0.9*0.5 + 0.5 = 0.95; p -= 0.1 * (0.5 + 0.9*0.95)
    expect(values(bias)[0]).toBeCloseTo(0.7695, 6);
    expect(values(bias)[1]).toBeCloseTo(-2.11525, 6);
    expect(opt.steps).toBe(2);
  });

  it('Adam takes lr-sized steps on a constant gradient; Adam and AdamW decay differently', () => {
    const adam = setup('Adam', 0.1);
    adam.opt.step(adam.grads, { lr: [0.1, 0.1, 0.1], momentum: 0.5 /* ignored by Adam */ });
    expect(values(adam.bias)[0]).toBeCloseTo(0.9, 5);
    expect(values(adam.weight)[0]).toBeCloseTo(1.9, 5); // L2 decay changes g, not the first step's size
    adam.opt.step(adam.grads, { lr: [0.1, 0.1, 0.1], momentum: 0.5 });
    expect(values(adam.bias)[0]).toBeCloseTo(0.8, 5);

    const adamw = setup('AdamW', 0.1);
    adamw.opt.step(adamw.grads, { lr: [0.1, 0.1, 0.1], momentum: 0.9 });
    expect(values(adamw.weight)[0]).toBeCloseTo(2 * (1 - 0.01) - 0.1, 5); // decoupled: p *= 1 - lr*wd
    expect(values(adamw.bn)[0]).toBeCloseTo(3.1, 5);
  });

  it('clips the global gradient norm like clip_grad_norm_', () => {
    const g = [tf.tensor1d([3]), null, tf.tensor1d([4])];
    expect(clipCoefficient(g, 1).dataSync()[0]).toBeCloseTo(0.2, 6);
    expect(clipCoefficient(g, 10).dataSync()[0]).toBe(1);
    const bias = tf.variable(tf.tensor1d([0]));
    const opt = new YoloOptimizer({ biases: [bias], weights: [], bnWeights: [] }, { name: 'SGD', weightDecay: 0, beta1: 0.9 });
    opt.step([tf.tensor1d([100])], { lr: [1, 1, 1], momentum: 0 });
    expect(values(bias)[0]).toBeCloseTo(-10, 4); // clipped to norm 10
  });

  it('saves and restores its state, refusing a mismatched one', () => {
    const a = setup('SGD', 0);
    a.opt.step(a.grads, { lr: [0.1, 0.1, 0.1], momentum: 0.9 });
    const state = a.opt.getState();
    expect(state.slots.map((s) => Array.from(s))).toEqual([[0.5, 0.25], [1], [-1]]);
    const b = setup('SGD', 0);
    b.opt.setState(state);
    expect(b.opt.steps).toBe(1);
    b.bias.assign(a.bias.clone());
    b.weight.assign(a.weight.clone());
    b.bn.assign(a.bn.clone());
    a.opt.step(a.grads, { lr: [0.1, 0.1, 0.1], momentum: 0.9 });
    b.opt.step(b.grads, { lr: [0.1, 0.1, 0.1], momentum: 0.9 });
    // the restored momentum buffer makes the second step identical (0.7695, not a fresh 0.81)
    expect(values(b.bias)[0]).toBeCloseTo(0.7695, 6);
    expect(values(b.bias)).toEqual(values(a.bias));
    const c = setup('Adam', 0);
    expect(() => c.opt.setState(state)).toThrow(/saved SGD with 3 buffers, this run uses Adam with 6/);
  });

  it('does not leak tensors across steps', () => {
    const { opt, grads } = setup('AdamW', 0.01);
    opt.step(grads, { lr: [0.1, 0.1, 0.1], momentum: 0.9 });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) opt.step(grads, { lr: [0.1, 0.1, 0.1], momentum: 0.9 });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('accumulates gradients by variable name and resets', () => {
    const v = tf.variable(tf.tensor1d([1, 2]), true, 'acc-test-v');
    const acc = new GradientAccumulator([v]);
    for (let i = 0; i < 3; i++) {
      const { grads, value } = tf.variableGrads(() => tf.sum(tf.mul(v, 2)) as tf.Scalar, [v]);
      value.dispose();
      acc.add(grads);
    }
    expect(Array.from(acc.current()[0]!.dataSync())).toEqual([6, 6]);
    const before = tf.memory().numTensors;
    acc.reset();
    expect(acc.current()).toEqual([null]);
    expect(tf.memory().numTensors).toBe(before - 1);
  });
});

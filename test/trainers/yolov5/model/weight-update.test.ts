import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../src/trainers/yolov5/backend.ts';
import { simdFor } from '../../../../src/trainers/yolov5/kernels/simd/runtime.ts';
import {
  emaBlendUpdate, hasWeightUpdateKernels, sgdNesterovUpdate, sumOfSquares, type SgdCoefficients,
} from '../../../../src/trainers/yolov5/kernels/weight-update.ts';
import { ModelEMA } from '../../../../src/trainers/yolov5/train/ema.ts';
import { YoloOptimizer } from '../../../../src/trainers/yolov5/train/optimizer.ts';
import { onBackend, seeded } from './helpers.ts';

beforeAll(async () => {
  await import('@tensorflow/tfjs-backend-cpu');
  expect(await initBackend('wasm')).toBe('wasm');
});

/** torch SGD-Nesterov as the tf op sequence the fused kernel replaces. */
function sgdReference(p: tf.Tensor, g: tf.Tensor, buf: tf.Tensor, c: SgdCoefficients): [tf.Tensor, tf.Tensor] {
  const gd = tf.add(tf.mul(g, c.clip), tf.mul(p, c.decay));
  const b = tf.add(tf.mul(buf, c.momentum), gd);
  return [tf.sub(p, tf.mul(tf.add(gd, tf.mul(b, c.momentum)), c.lr)), b];
}

function bits(t: tf.Tensor): number[] {
  return Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));
}

// Sizes with every tail length of the 4-lane loop; weights of gradient-like scale.
const SIZES = [1, 6, 7, 16, 1001];
const COEFFICIENTS: SgdCoefficients = { lr: 0.0123, momentum: 0.937, decay: 5e-4, clip: 0.731 };

describe('fused weight-update kernels', () => {
  it('run as SIMD WebAssembly on the wasm backend', () => {
    expect(simdFor(tf.backend())).not.toBeNull();
    expect(hasWeightUpdateKernels()).toBe(true);
  });

  it.each(SIZES)('SGD-Nesterov of %i floats equals the op sequence bit for bit, on wasm and cpu', async (n) => {
    for (const backend of ['wasm', 'cpu']) {
      await onBackend(backend, () => {
        const p = tf.mul(seeded([n], 1), 0.3);
        const g = tf.mul(seeded([n], 2), 0.05);
        const buf = tf.mul(seeded([n], 3), 0.02);
        const fused = sgdNesterovUpdate(p, g, buf, COEFFICIENTS);
        const reference = sgdReference(p, g, buf, COEFFICIENTS);
        expect(bits(fused[0]), `${backend} weights`).toEqual(bits(reference[0]));
        expect(bits(fused[1]), `${backend} momentum`).toEqual(bits(reference[1]));
        expect(Math.abs(fused[0].dataSync()[0] - p.dataSync()[0])).toBeGreaterThan(0); // it moved
      });
    }
  });

  it.each(SIZES)('the EMA blend of %i floats equals t * d + s * (1 - d) bit for bit, on wasm and cpu', async (n) => {
    for (const backend of ['wasm', 'cpu']) {
      await onBackend(backend, () => {
        const t = seeded([n], 4);
        const s = seeded([n], 5);
        const d = 0.3161;
        expect(bits(emaBlendUpdate(t, s, d)), backend).toEqual(bits(tf.add(tf.mul(t, d), tf.mul(s, 1 - d))));
      });
    }
  });

  it('sums squares over many tensors as tf.sum(tf.square) does', async () => {
    const tensors = SIZES.map((n, i) => seeded([n], 10 + i));
    const expected = tensors.reduce((a, t) => a + tf.sum(tf.square(t)).dataSync()[0], 0);
    expect(sumOfSquares(tensors).dataSync()[0]).toBeCloseTo(expected, 3);
    expect(sumOfSquares([tf.tensor1d([3]), tf.tensor1d([4])]).dataSync()[0]).toBe(25);
    const cpu = await onBackend('cpu', () => sumOfSquares(tensors).dataSync()[0]);
    expect(cpu).toBeCloseTo(expected, 3);
  });
});

describe('YoloOptimizer and ModelEMA on the fused kernels', () => {
  it('take the same SGD steps (norm clip and decay active) as the op sequences', () => {
    const shapes = [[24], [3, 3, 16, 8], [8], [7]];
    const start = shapes.map((s, i) => tf.mul(seeded(s, 30 + i), 0.2));
    const vars = start.map((t) => tf.variable(t.clone()));
    const opt = new YoloOptimizer({ biases: [vars[0]], weights: [vars[1]], bnWeights: [vars[2], vars[3]] },
      { name: 'SGD', weightDecay: 5e-4, beta1: 0.937, maxGradNorm: 10 });
    let ref = start.map((t) => t.clone());
    let bufs = start.map((t) => tf.zerosLike(t));
    for (let step = 0; step < 3; step++) {
      // Gradients large enough that the norm clip (max 10) scales them.
      const grads = shapes.map((s, i) => tf.mul(seeded(s, 40 + 10 * step + i), 3));
      const settings = { lr: [0.05, 0.01, 0.02] as const, momentum: 0.9 };
      opt.step(grads, settings);
      const norm = Math.sqrt(grads.reduce((a, g) => a + tf.sum(tf.square(g)).dataSync()[0], 0));
      expect(norm).toBeGreaterThan(10);
      const clip = 10 / (norm + 1e-6);
      const lrs = [settings.lr[0], settings.lr[1], settings.lr[2], settings.lr[2]];
      const next = ref.map((p, i) => sgdReference(p, grads[i], bufs[i], { lr: lrs[i], momentum: 0.9, decay: i === 1 ? 5e-4 : 0, clip }));
      ref = next.map((r) => r[0]);
      bufs = next.map((r) => r[1]);
    }
    vars.forEach((v, i) => {
      const got = v.dataSync();
      const want = ref[i].dataSync();
      for (let k = 0; k < got.length; k++) expect(got[k]).toBeCloseTo(want[k], 6);
      expect(got[0]).not.toBeCloseTo(start[i].dataSync()[0], 4);
    });
    expect(opt.getState().slots.map((s) => s.length)).toEqual(shapes.map((s) => s.reduce((a, b) => a * b, 1)));
  });

  it('averages into the EMA as the op sequence does, without leaking tensors', () => {
    const source = [tf.variable(seeded([13], 50)), tf.variable(seeded([4, 4], 51), false)];
    const initial = source.map((s, i) => seeded(s.shape, 60 + i));
    const target = initial.map((t) => tf.variable(t.clone()));
    const ema = new ModelEMA(source, target, { copy: false, updates: 999 });
    const before = tf.memory().numTensors;
    const d = ema.update();
    expect(tf.memory().numTensors).toBe(before);
    source.forEach((s, i) => expect(bits(target[i])).toEqual(bits(tf.add(tf.mul(initial[i], d), tf.mul(s, 1 - d)))));
  });
});

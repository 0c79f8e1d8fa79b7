import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../src/trainers/yolov5/backend.ts';
import { convFilterGrad, convInputGrad } from '../../../../src/trainers/yolov5/model/conv-grad.ts';
import { onBackend, relError, seeded } from './helpers.ts';

beforeAll(async () => {
  await import('@tensorflow/tfjs-backend-cpu');
  expect(await initBackend('wasm')).toBe('wasm');
});

// [x shape, kernel, stride, pad]
const CASES: [number[], number, number, number][] = [
  [[2, 9, 9, 5], 3, 1, 1],
  [[2, 10, 10, 5], 3, 2, 1],
  [[3, 11, 9, 4], 3, 2, 1],
  [[2, 16, 16, 3], 6, 2, 2],
  [[2, 8, 8, 6], 1, 1, 0],
  [[1, 11, 11, 2], 5, 3, 2],
  [[2, 8, 8, 3], 1, 2, 0],
  [[2, 8, 9, 3], 2, 2, 1],
  [[2, 10, 7, 8], 3, 2, 1],
];

describe('Conv2DBackpropFilter on wasm', () => {
  it.each(CASES)('matches the cpu backend for x %j, k %i, stride %i, pad %i', async (shape, k, s, p) => {
    const co = 7;
    const x = seeded(shape, 1) as tf.Tensor4D;
    const oh = Math.floor((shape[1] + 2 * p - k) / s) + 1;
    const ow = Math.floor((shape[2] + 2 * p - k) / s) + 1;
    const dy = seeded([shape[0], oh, ow, co], 2) as tf.Tensor4D;
    const fs: [number, number, number, number] = [k, k, shape[3], co];
    const wasm = convFilterGrad(x, dy, fs, s, p);
    const cpu = await onBackend('cpu', () => convFilterGrad(x, dy, fs, s, p));
    expect(wasm.shape).toEqual(fs);
    expect(relError(wasm, cpu)).toBeLessThan(1e-4);
  });

  it("accepts the 'same' padding string tf.conv2d's own gradient passes", async () => {
    const x = seeded([2, 8, 8, 3], 3) as tf.Tensor4D;
    const w = seeded([3, 3, 3, 4], 4) as tf.Tensor4D;
    const grad = (b: string) => onBackend(b, () => tf.grad((f: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x, f as tf.Tensor4D, 2, 'same'))))(w));
    expect(relError(await grad('wasm'), await grad('cpu'))).toBeLessThan(1e-4);
  });
});

describe('conv input gradient as forward convs', () => {
  // 8 output channels take the SIMD transposes of the filter, 7 the scalar ones.
  const withCo = CASES.flatMap((c) => [[...c, 7], [...c, 8]] as [number[], number, number, number, number][]);
  it.each(withCo)('matches the cpu backend for x %j, k %i, stride %i, pad %i, %i output channels', async (shape, k, s, p, co) => {
    const w = seeded([k, k, shape[3], co], 5) as tf.Tensor4D;
    const oh = Math.floor((shape[1] + 2 * p - k) / s) + 1;
    const ow = Math.floor((shape[2] + 2 * p - k) / s) + 1;
    const dy = seeded([shape[0], oh, ow, co], 6) as tf.Tensor4D;
    const ours = convInputGrad(dy, w, shape, s, p);
    const pad: tf.backend_util.ExplicitPadding = [[0, 0], [p, p], [p, p], [0, 0]];
    const cpu = await onBackend('cpu', () => tf.conv2dTranspose(dy, w, shape as [number, number, number, number], s, pad as never));
    expect(ours.shape).toEqual(shape);
    expect(relError(ours, cpu)).toBeLessThan(1e-4);
  });
});

describe('UnsortedSegmentSum on wasm (gather gradient)', () => {
  it('matches the cpu backend', async () => {
    const params = seeded([6, 4], 7);
    const idx = tf.tensor1d([0, 5, 5, 2, 0, 3], 'int32');
    const grad = (b: string) => onBackend(b, () => tf.grad((p: tf.Tensor) => tf.sum(tf.mul(tf.gather(p, idx), tf.reshape(tf.range(0, 24), [6, 4]))))(params));
    const wasm = await grad('wasm');
    expect(relError(wasm, await grad('cpu'))).toBeLessThan(1e-6);
    expect(Array.from(wasm.dataSync().slice(4, 8))).toEqual([0, 0, 0, 0]); // row 1 never gathered
  });
});

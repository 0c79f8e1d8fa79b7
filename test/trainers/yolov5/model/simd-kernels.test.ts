import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../src/trainers/yolov5/backend.ts';
import { BN_NORMALIZE, BN_SILU_GRAD } from '../../../../src/trainers/yolov5/kernels/index.ts';
import { IM2COL_T } from '../../../../src/trainers/yolov5/kernels/im2col.ts';
import { matMulSum } from '../../../../src/trainers/yolov5/kernels/mat-mul.ts';
import { conv2dFilterGrad, conv2dWindow } from '../../../../src/trainers/yolov5/kernels/conv2d.ts';
import { SPLIT_ROWS } from '../../../../src/trainers/yolov5/kernels/split-rows.ts';
import { simdFor } from '../../../../src/trainers/yolov5/kernels/simd/runtime.ts';
import { onBackend, relError, seeded } from './helpers.ts';

beforeAll(async () => {
  await import('@tensorflow/tfjs-backend-cpu');
  expect(await initBackend('wasm')).toBe('wasm');
});

const EPS = 1e-3;
const MOMENTUM = 0.03;

/** Runs both batch-norm + SiLU kernels: forward outputs, then the backward for `dout`. */
function bnKernels(y: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, dout: tf.Tensor): tf.Tensor[] {
  const runMean = tf.fill([gamma.size], 0.5);
  const runVar = tf.fill([gamma.size], 2);
  const [z, mean, variance, newMean, newVar] = tf.engine().runKernel(BN_NORMALIZE,
    { y, gamma, beta, runMean, runVar }, { eps: EPS, momentum: MOMENTUM }) as tf.Tensor[];
  const s = tf.sigmoid(z);
  const grads = tf.engine().runKernel(BN_SILU_GRAD, { dout, y, s, gamma, beta, mean, variance }, { eps: EPS }) as tf.Tensor[];
  return [z, mean, variance, newMean, newVar, ...grads];
}

/** The same quantities from plain ops and autodiff. */
function bnReference(y: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, dout: tf.Tensor): tf.Tensor[] {
  const { mean, variance } = tf.moments(y, 0);
  const z = tf.add(tf.mul(tf.div(tf.sub(y, mean), tf.sqrt(tf.add(variance, EPS))), gamma), beta);
  const m = y.shape[0];
  const newMean = tf.add(0.5 * (1 - MOMENTUM), tf.mul(mean, MOMENTUM));
  const newVar = tf.add(2 * (1 - MOMENTUM), tf.mul(variance, (MOMENTUM * m) / (m - 1)));
  const f = (yy: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const mo = tf.moments(yy, 0);
    const zz = tf.add(tf.mul(tf.div(tf.sub(yy, mo.mean), tf.sqrt(tf.add(mo.variance, EPS))), g), b);
    return tf.sum(tf.mul(tf.mul(zz, tf.sigmoid(zz)), dout));
  };
  const [dy, dg, db] = tf.grads(f)([y, gamma, beta]);
  return [z, mean, variance, newMean, newVar, dy, dg, db];
}

const NAMES = ['z', 'mean', 'variance', 'running mean', 'running var', 'dy', 'dgamma', 'dbeta'];

describe('fused batch norm + SiLU kernels', () => {
  it('run as SIMD WebAssembly on the wasm backend', () => {
    expect(simdFor(tf.backend())).not.toBeNull();
  });

  // [M, C]: M not a multiple of the 64-row block; C = 12 and 6 exercise channel groups and the JS path.
  it.each([[1000, 16], [37, 8], [130, 12], [50, 6]])('match plain ops for y [%i, %i] on wasm and cpu', async (m, c) => {
    const y = tf.add(tf.mul(seeded([m, c], 21), 3), 5); // an offset mean tests the shifted sums
    // Wide gammas and betas take z to +-25, far into both tails of SiLU.
    const gamma = tf.add(tf.mul(seeded([c], 22), 8), 1.5);
    const beta = tf.mul(seeded([c], 23), 10);
    const dout = seeded([m, c], 24);
    const wasm = bnKernels(y, gamma, beta, dout);
    const cpu = await onBackend('cpu', () => bnKernels(y, gamma, beta, dout));
    const ref = await onBackend('cpu', () => bnReference(y, gamma, beta, dout));
    NAMES.forEach((name, i) => {
      expect(relError(wasm[i], ref[i]), `wasm ${name}`).toBeLessThan(2e-5);
      expect(relError(cpu[i], ref[i]), `cpu ${name}`).toBeLessThan(2e-5);
    });
  });
});

describe('transposed im2col kernel', () => {
  it('lays out a hand-checked 1x3x3x2 input, 2x2 filter, stride 1, pad 1 top/left only', () => {
    const x = tf.tensor4d(Array.from({ length: 18 }, (_, i) => i + 1), [1, 3, 3, 2]);
    const attrs = { kh: 2, kw: 2, sh: 1, sw: 1, top: 1, left: 1, oh: 3, ow: 3 };
    const cols = tf.engine().runKernel(IM2COL_T, { x }, attrs) as tf.Tensor;
    expect(cols.shape).toEqual([8, 9]);
    const rows = cols.arraySync() as number[][];
    // Tap (0, 0), channel 0: x[oh - 1, ow - 1, 0], zero in the first row and column.
    expect(rows[0]).toEqual([0, 0, 0, 0, 1, 3, 0, 7, 9]);
    // Tap (1, 1), channel 1: x[oh, ow, 1] everywhere.
    expect(rows[7]).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18]);
  });

  it.each([
    [[2, 9, 9, 5], 3, 2, 1, 1],
    [[2, 16, 16, 3], 6, 2, 2, 2],
    [[3, 7, 5, 4], 3, 1, 1, 0],
    [[1, 11, 11, 2], 5, 3, 0, 2],
    [[2, 13, 13, 8], 3, 2, 1, 1],
    [[1, 9, 17, 12], 3, 1, 1, 1],
  ])('matches the JS loop on cpu for x %j, k %i, stride %i, pad %i/%i', async (shape, k, s, top, left) => {
    const x = seeded(shape, 25);
    const oh = Math.floor((shape[1] + 2 * top - k) / s) + 1;
    const ow = Math.floor((shape[2] + 2 * left - k) / s) + 1;
    const attrs = { kh: k, kw: k, sh: s, sw: s, top, left, oh, ow };
    const run = () => tf.engine().runKernel(IM2COL_T, { x }, attrs) as tf.Tensor;
    const wasm = run();
    expect(relError(wasm, await onBackend('cpu', run))).toBe(0);
  });
});

describe('row-block split kernel', () => {
  it.each([8, 7])('splits [12, %i] into blocks of 5, 4 and 3 rows, plain and transposed, as slices do', async (cols) => {
    const x = seeded([12, cols], 27);
    const sizes = [5, 4, 3];
    const run = (transpose: boolean) => tf.engine().runKernel(SPLIT_ROWS, { x }, { sizes, transpose }) as tf.Tensor[];
    const expected = await onBackend('cpu', () => {
      let start = 0;
      return sizes.map((r) => {
        const block = tf.slice(x, [start, 0], [r, cols]);
        start += r;
        return [block, tf.transpose(block)];
      });
    });
    const plain = run(false);
    const transposed = run(true);
    sizes.forEach((_, i) => {
      expect(plain[i].shape).toEqual(expected[i][0].shape);
      expect(relError(plain[i], expected[i][0])).toBe(0);
      expect(transposed[i].shape).toEqual(expected[i][1].shape);
      expect(relError(transposed[i], expected[i][1])).toBe(0);
    });
  });
});

describe('sum-of-products matMul kernel', () => {
  // [M, [K_i...], N]: M not a multiple of the 4-row tile or the 64-row block, several products
  // accumulated, a long K (filter gradients), N = 12 (not a multiple of 8: the backend's matMul
  // for one product, JS loops for several).
  it.each([
    [70, [5], 16], [131, [9, 3, 16], 8], [4, [2000], 24], [9, [7], 12], [10, [3, 4], 12], [1, [1], 8],
  ])('M %i, K %j, N %i matches tf.matMul + add on cpu, on wasm and cpu', async (m, ks, n) => {
    const pairs = ks.map((k, i) => [seeded([m, k], 30 + i), seeded([k, n], 40 + i)] as [tf.Tensor2D, tf.Tensor2D]);
    const expected = await onBackend('cpu', () => pairs.map(([a, b]) => tf.matMul(a, b)).reduce((x, y) => tf.add(x, y)));
    const wasm = matMulSum(pairs);
    const cpu = await onBackend('cpu', () => matMulSum(pairs));
    expect(wasm.shape).toEqual([m, n]);
    expect(relError(wasm, expected)).toBeLessThan(1e-5);
    expect(relError(cpu, expected)).toBeLessThan(1e-5);
  });
});

/** x's window [N, Hp, Wp, C] (x[n, i - top, j - left], zero outside) from pads and slices. */
function windowOf(x: tf.Tensor4D, top: number, left: number, hp: number, wp: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const t = Math.max(top, 0);
  const l = Math.max(left, 0);
  const padded = tf.pad(x, [[0, 0], [t, Math.max(hp + Math.max(-top, 0) - h - t, 0)], [l, Math.max(wp + Math.max(-left, 0) - w - l, 0)], [0, 0]]);
  return tf.slice(padded, [0, t - top, l - left, 0], [-1, hp, wp, -1]);
}

describe('windowed conv2d kernels', () => {
  // [x shape, k, stride, top, left, out h, out w, Co]: symmetric forward padding, the asymmetric
  // and negative windows of input-gradient residues, widths not a multiple of the 4-pixel tile,
  // Co = 8/16 (SIMD) and 7 (JS loops), the stem's 6x6/2 on 3 channels.
  const CASES: [number[], number, number, number, number, number, number, number][] = [
    [[2, 9, 9, 5], 3, 1, 1, 1, 9, 9, 8],
    [[2, 10, 10, 4], 3, 2, 1, 1, 5, 5, 16],
    [[2, 16, 16, 3], 6, 2, 2, 2, 8, 8, 16],
    [[2, 6, 7, 8], 2, 1, 1, 0, 6, 7, 8],
    [[3, 7, 6, 4], 1, 1, -1, 0, 5, 6, 8],
    [[2, 8, 8, 6], 1, 1, 0, 0, 8, 8, 16],
    [[2, 9, 9, 5], 3, 1, 1, 1, 9, 9, 7],
    [[3, 40, 6, 8], 3, 2, 1, 1, 20, 3, 16], // filter-gradient blocks of 86 rows end inside an image
    [[2, 5, 5, 8], 3, 1, 1, 1, 5, 5, 128], // the filter gradient packs dy of 128+ channels
  ];
  it.each(CASES)('x %j, k %i, stride %i, window at %i/%i, out %ix%i, %i channels: forward and filter gradient match tf ops on cpu, on wasm and cpu',
    async (shape, k, s, top, left, oh, ow, co) => {
      const x = seeded(shape, 50) as tf.Tensor4D;
      const w = seeded([k, k, shape[3], co], 51) as tf.Tensor4D;
      const dy = seeded([shape[0], oh, ow, co], 52) as tf.Tensor4D;
      const hp = (oh - 1) * s + k;
      const wp = (ow - 1) * s + k;
      const [refY, refDw] = await onBackend('cpu', () => {
        const xw = windowOf(x, top, left, hp, wp);
        const y = tf.conv2d(xw, w, s, 'valid');
        const dw = tf.grad((f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xw, f as tf.Tensor4D, s, 'valid'), dy)))(w);
        return [y, dw];
      });
      const run = () => [
        conv2dWindow(x, w, { stride: s, top, left, outHeight: oh, outWidth: ow }),
        conv2dFilterGrad([x], dy, { stride: s, top, left, kh: k, kw: k }),
      ];
      for (const [name, [y, dw]] of [['wasm', run()], ['cpu', await onBackend('cpu', run)]] as const) {
        expect(y.shape, name).toEqual(refY.shape);
        expect(relError(y, refY), `${name} forward`).toBeLessThan(1e-5);
        expect(dw.shape, name).toEqual(refDw.shape);
        expect(relError(dw, refDw), `${name} filter gradient`).toBeLessThan(1e-5);
      }
    });

  it('gives the filter gradient of a 1x1 conv over concatenated inputs, on wasm and cpu', async () => {
    const xs = [seeded([2, 5, 6, 8], 53), seeded([2, 5, 6, 3], 54)] as tf.Tensor4D[];
    const dy = seeded([2, 5, 6, 16], 55) as tf.Tensor4D;
    const ref = await onBackend('cpu', () =>
      tf.grad((f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(tf.concat(xs, 3), f as tf.Tensor4D, 1, 'valid'), dy)))(tf.zeros([1, 1, 11, 16])));
    const run = () => conv2dFilterGrad(xs, dy, { stride: 1, top: 0, left: 0, kh: 1, kw: 1 });
    expect(relError(run(), ref)).toBeLessThan(1e-5);
    expect(relError(await onBackend('cpu', run), ref)).toBeLessThan(1e-5);
  });
});

describe('shared Identity on wasm', () => {
  it('clones without copying and keeps the clone valid after the original is disposed', () => {
    const a = seeded([64, 8], 26);
    const expected = Array.from(a.dataSync());
    const buffers = (tf.memory() as { numDataBuffers: number }).numDataBuffers;
    const b = tf.clone(a);
    expect((tf.memory() as { numDataBuffers: number }).numDataBuffers).toBe(buffers); // same buffer, one more reference
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual(expected);
    b.dispose();
  });
});

/**
 * YOLOv5's Conv (conv2d without bias -> BatchNorm -> SiLU) in three forms:
 * - `fused` (training, our gradient path): one tf.customGrad op per Conv. 1x1 convs are matMuls;
 *   batch norm + SiLU forward and backward run in the JS kernels of kernels/bn-silu.ts; conv
 *   gradients come from conv-grad.ts. A 1x1 Conv may take several inputs: it then computes
 *   conv(concat(inputs)) as a sum of per-input matMuls, so YOLOv5's Concat layers cost nothing.
 * - `reference` (training): plain TF.js ops and autodiff; slow, but independent of our kernels
 *   (tests compare the two) and usable on any backend.
 * - eval: BatchNorm folded into the conv weights with the running statistics.
 * Training forms update the running statistics as PyTorch does (momentum 0.03, unbiased variance).
 */
import * as tf from '@tensorflow/tfjs-core';
import { BN_NORMALIZE, BN_SILU_GRAD } from '../kernels/index.ts';
import { BN_EPS, BN_MOMENTUM } from './config.ts';
import { convFilterGrad, convInputGrad, explicitPad } from './conv-grad.ts';
import type { ConvBnParams, HeadConvParams } from './params.ts';

/** How training-mode convs are computed. */
export type ConvImpl = 'fused' | 'reference';

function updateRunningStats(p: ConvBnParams, mean: tf.Tensor, variance: tf.Tensor, count: number): void {
  tf.tidy(() => {
    const unbiased = tf.mul(variance, count / Math.max(count - 1, 1));
    p.runMean.assign(tf.add(tf.mul(p.runMean, 1 - BN_MOMENTUM), tf.mul(mean, BN_MOMENTUM)));
    p.runVar.assign(tf.add(tf.mul(p.runVar, 1 - BN_MOMENTUM), tf.mul(unbiased, BN_MOMENTUM)));
  });
}

function as2d(x: tf.Tensor): tf.Tensor2D {
  return tf.reshape(x, [-1, x.shape[x.shape.length - 1]]);
}

function checkInputs(p: ConvBnParams, xs: tf.Tensor4D[]): void {
  const ci = xs.reduce((a, x) => a + x.shape[3], 0);
  if (ci !== p.ci) throw new Error(`${p.name}: inputs have ${ci} channels in total, the conv expects ${p.ci}`);
  if (xs.length > 1 && p.k !== 1) throw new Error(`${p.name}: several inputs are supported for 1x1 convs only`);
}

/** Splits a [1,1,Ci,Co] weight into per-input [ci_i, Co] matrices. */
function weightParts(w: tf.Tensor, xs: tf.Tensor4D[], co: number): tf.Tensor2D[] {
  const w2 = tf.reshape(w, [-1, co]);
  if (xs.length === 1) return [w2 as tf.Tensor2D];
  let off = 0;
  return xs.map((x) => {
    const part = tf.slice(w2, [off, 0], [x.shape[3], co]);
    off += x.shape[3];
    return part as tf.Tensor2D;
  });
}

function convForward(p: ConvBnParams, xs: tf.Tensor4D[], w: tf.Tensor): tf.Tensor {
  if (p.k === 1 && p.s === 1) {
    const parts = weightParts(w, xs, p.co);
    return xs.map((x, i) => tf.matMul(as2d(x), parts[i])).reduce((a, b) => tf.add(a, b));
  }
  return tf.conv2d(xs[0], w as tf.Tensor4D, p.s, explicitPad(p.p));
}

/** Training-mode Conv through our custom gradient. `needInputGrad` false skips dx (the stem). */
export function convBnSiluFused(p: ConvBnParams, xs: tf.Tensor4D[], needInputGrad: boolean): tf.Tensor4D {
  checkInputs(p, xs);
  const [n, h, wd] = xs[0].shape;
  const oh = Math.floor((h + 2 * p.p - p.k) / p.s) + 1;
  const ow = Math.floor((wd + 2 * p.p - p.k) / p.s) + 1;
  const m = n * oh * ow;
  const nx = xs.length;
  const op = tf.customGrad((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const ins = args as tf.Tensor[];
    const inputs = needInputGrad ? (ins.slice(0, nx) as tf.Tensor4D[]) : xs;
    const [w, gamma, beta] = ins.slice(needInputGrad ? nx : 0);
    const y = convForward(p, inputs, w);
    const [yhat, z, mean, variance] = tf.engine().runKernel(BN_NORMALIZE, { y, gamma, beta }, { eps: BN_EPS }) as tf.Tensor[];
    const sig = tf.sigmoid(z);
    const value = tf.reshape(tf.mul(z, sig), [n, oh, ow, p.co]) as tf.Tensor4D;
    updateRunningStats(p, mean, variance, m);
    save([...inputs, w, yhat, sig, gamma, beta, variance]);
    const gradFunc = (dout: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const sx = saved.slice(0, nx) as tf.Tensor4D[];
      const [sw, syhat, ssig, sgamma, sbeta, svar] = saved.slice(nx);
      const [dy, dgamma, dbeta] = tf.engine().runKernel(BN_SILU_GRAD, {
        dout: as2d(dout), yhat: syhat, s: ssig, gamma: sgamma, beta: sbeta, variance: svar,
      }, { eps: BN_EPS }) as tf.Tensor[];
      let dw: tf.Tensor;
      let dxs: tf.Tensor[] = [];
      if (p.k === 1 && p.s === 1) {
        const parts = weightParts(sw, sx, p.co);
        // Explicit transposes: WASM's matMul with transpose flags is ~4x slower.
        const dws = sx.map((x) => tf.matMul(tf.transpose(as2d(x)), dy));
        dw = tf.reshape(dws.length === 1 ? dws[0] : tf.concat(dws, 0), [1, 1, p.ci, p.co]);
        if (needInputGrad) dxs = sx.map((x, i) => tf.reshape(tf.matMul(dy, tf.transpose(parts[i])), x.shape));
      } else {
        const dy4 = tf.reshape(dy, [n, oh, ow, p.co]) as tf.Tensor4D;
        dw = convFilterGrad(sx[0], dy4, [p.k, p.k, p.ci, p.co], p.s, p.p);
        if (needInputGrad) dxs = [convInputGrad(dy4, sw as tf.Tensor4D, sx[0].shape, p.s, p.p)];
      }
      return [...dxs, dw, dgamma, dbeta];
    };
    return { value, gradFunc };
  });
  const params = [p.w, p.gamma, p.beta];
  return op(...(needInputGrad ? [...xs, ...params] : params)) as tf.Tensor4D;
}

/** Training-mode Conv with plain ops and autodiff (the independent reference). */
export function convBnSiluReference(p: ConvBnParams, xs: tf.Tensor4D[]): tf.Tensor4D {
  checkInputs(p, xs);
  const x = xs.length === 1 ? xs[0] : tf.concat(xs, 3);
  const y = tf.conv2d(x, p.w as tf.Tensor4D, p.s, explicitPad(p.p));
  const { mean, variance } = tf.moments(y, [0, 1, 2]);
  const z = tf.add(tf.mul(tf.mul(tf.sub(y, mean), tf.rsqrt(tf.add(variance, BN_EPS))), p.gamma), p.beta);
  updateRunningStats(p, mean, variance, y.size / p.co);
  return tf.mul(z, tf.sigmoid(z));
}

/** Eval-mode Conv: BatchNorm folded into the weights, running statistics. */
export function convBnSiluEval(p: ConvBnParams, xs: tf.Tensor4D[]): tf.Tensor4D {
  checkInputs(p, xs);
  return tf.tidy(() => {
    const scale = tf.mul(p.gamma, tf.rsqrt(tf.add(p.runVar, BN_EPS)));
    const w = tf.mul(p.w, scale);
    const bias = tf.sub(p.beta, tf.mul(p.runMean, scale));
    const y = tf.add(convForward(p, xs, w), bias);
    return tf.reshape(tf.mul(y, tf.sigmoid(y)), [xs[0].shape[0], ...outHw(p, xs[0]), p.co]) as tf.Tensor4D;
  });
}

function outHw(p: ConvBnParams, x: tf.Tensor4D): [number, number] {
  return [Math.floor((x.shape[1] + 2 * p.p - p.k) / p.s) + 1, Math.floor((x.shape[2] + 2 * p.p - p.k) / p.s) + 1];
}

/** Detect's 1x1 conv with bias; `fused` uses explicit-transpose matMul gradients. */
export function headConv(p: HeadConvParams, x: tf.Tensor4D, fused: boolean): tf.Tensor4D {
  const [n, h, w] = x.shape;
  if (!fused) return tf.add(tf.conv2d(x, p.w as tf.Tensor4D, 1, 'valid'), p.b);
  const op = tf.customGrad((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [xi, wi, bi] = args as tf.Tensor[];
    const w2 = tf.reshape(wi, [p.ci, p.co]);
    const value = tf.reshape(tf.add(tf.matMul(as2d(xi), w2), bi), [n, h, w, p.co]);
    save([xi, w2]);
    const gradFunc = (dout: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [sx, sw] = saved;
      const dy = as2d(dout);
      return [
        tf.reshape(tf.matMul(dy, tf.transpose(sw)), sx.shape),
        tf.reshape(tf.matMul(tf.transpose(as2d(sx)), dy), [1, 1, p.ci, p.co]),
        tf.sum(dy, 0),
      ];
    };
    return { value, gradFunc };
  });
  return op(x, p.w, p.b) as tf.Tensor4D;
}

/**
 * YOLOv5's Conv (conv2d without bias -> BatchNorm -> SiLU) in three forms:
 * - `fused` (training, our gradient path): one tf.customGrad op per Conv. 1x1 convs are matMuls;
 *   batch norm + SiLU forward and backward run in the kernels of kernels/bn-silu.ts; conv
 *   gradients come from conv-grad.ts. A 1x1 Conv may take several inputs: it then computes
 *   conv(concat(inputs)) as a sum of per-input matMuls, so YOLOv5's Concat layers cost nothing.
 * - `reference` (training): plain TF.js ops and autodiff; slow, but independent of our kernels
 *   (tests compare the two) and usable on any backend.
 * - eval: BatchNorm folded into the conv weights with the running statistics.
 * Training forms update the running statistics as PyTorch does (momentum 0.03, unbiased variance).
 */
import * as tf from '@tensorflow/tfjs-core';
import { BN_NORMALIZE, BN_SILU_GRAD } from '../kernels/index.ts';
import { CONV2D, CONV2D_FILTER_GRAD, conv2dFilterGrad, conv2dWindow, ownConvKernel } from '../kernels/conv2d.ts';
import { IM2COL_T_STACK } from '../kernels/im2col.ts';
import { MAT_MUL, matMulSum } from '../kernels/mat-mul.ts';
import { SPLIT_ROWS } from '../kernels/split-rows.ts';
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

/**
 * sum_i a_i b_i: one call of our matMul kernel where the backend has it (wasm, cpu), else TF.js
 * ops (eval on other backends).
 */
function matMuls(pairs: [tf.Tensor2D, tf.Tensor2D][]): tf.Tensor2D {
  if (tf.getKernel(MAT_MUL, tf.getBackend()) != null) return matMulSum(pairs);
  return pairs.map(([a, b]) => tf.matMul(a, b)).reduce((acc, y) => tf.add(acc, y)) as tf.Tensor2D;
}

function as2d(x: tf.Tensor): tf.Tensor2D {
  return tf.reshape(x, [-1, x.shape[x.shape.length - 1]]);
}

function checkInputs(p: ConvBnParams, xs: tf.Tensor4D[]): void {
  const ci = xs.reduce((a, x) => a + x.shape[3], 0);
  if (ci !== p.ci) throw new Error(`${p.name}: inputs have ${ci} channels in total, the conv expects ${p.ci}`);
  if (xs.length > 1 && p.k !== 1) throw new Error(`${p.name}: several inputs are supported for 1x1 convs only`);
}

/** Splits a [1,1,Ci,Co] weight into per-input [ci_i, Co] matrices, or their transposes [Co, ci_i]. */
function weightParts(w: tf.Tensor, xs: tf.Tensor4D[], co: number, transpose = false): tf.Tensor2D[] {
  const w2 = tf.reshape(w, [-1, co]);
  if (xs.length === 1 && !transpose) return [w2 as tf.Tensor2D];
  return tf.engine().runKernel(SPLIT_ROWS, { x: w2 }, { sizes: xs.map((x) => x.shape[3]), transpose }) as tf.Tensor2D[];
}

/**
 * Filter gradient [1, 1, sum ci, Co] of a 1x1 conv over the concatenated inputs: our filter-gradient
 * kernel (kernels/conv2d.ts) where it applies, else ONE matMul of their stacked transposes
 * (kernels/im2col.ts) with dy [M, Co].
 */
function filterGrad1x1(xs: tf.Tensor4D[], dy: tf.Tensor2D): tf.Tensor4D {
  const [n, h, w] = xs[0].shape;
  const co = dy.shape[1];
  if (ownConvKernel(CONV2D_FILTER_GRAD, co)) {
    return conv2dFilterGrad(xs, tf.reshape(dy, [n, h, w, co]), { stride: 1, top: 0, left: 0, kh: 1, kw: 1 });
  }
  const attrs = { kh: 1, kw: 1, sh: 1, sw: 1, top: 0, left: 0, oh: h, ow: w };
  const parts = Object.fromEntries(xs.map((x, i) => [String(i), x]));
  const cols = tf.engine().runKernel(IM2COL_T_STACK, parts, attrs) as tf.Tensor2D;
  const ci = xs.reduce((a, x) => a + x.shape[3], 0);
  return tf.reshape(matMuls([[cols, dy]]), [1, 1, ci, dy.shape[1]]);
}

function convForward(p: ConvBnParams, xs: tf.Tensor4D[], w: tf.Tensor): tf.Tensor {
  if (p.k === 1 && p.s === 1) {
    const parts = weightParts(w, xs, p.co);
    return matMuls(xs.map((x, i) => [as2d(x), parts[i]]));
  }
  const x = xs[0];
  if (ownConvKernel(CONV2D, p.co)) {
    const [oh, ow] = outHw(p, x);
    return conv2dWindow(x, w as tf.Tensor4D, { stride: p.s, top: p.p, left: p.p, outHeight: oh, outWidth: ow });
  }
  return tf.conv2d(x, w as tf.Tensor4D, p.s, explicitPad(p.p));
}

/** Training-mode Conv through our custom gradient. `needInputGrad` false skips dx (the stem). */
export function convBnSiluFused(p: ConvBnParams, xs: tf.Tensor4D[], needInputGrad: boolean): tf.Tensor4D {
  checkInputs(p, xs);
  const [n, h, wd] = xs[0].shape;
  const oh = Math.floor((h + 2 * p.p - p.k) / p.s) + 1;
  const ow = Math.floor((wd + 2 * p.p - p.k) / p.s) + 1;
  const nx = xs.length;
  const op = tf.customGrad((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const ins = args as tf.Tensor[];
    const inputs = needInputGrad ? (ins.slice(0, nx) as tf.Tensor4D[]) : xs;
    const [w, gamma, beta] = ins.slice(needInputGrad ? nx : 0);
    const y = convForward(p, inputs, w);
    const [z, mean, variance, runMean, runVar] = tf.engine().runKernel(BN_NORMALIZE,
      { y, gamma, beta, runMean: p.runMean, runVar: p.runVar }, { eps: BN_EPS, momentum: BN_MOMENTUM }) as tf.Tensor[];
    const sig = tf.sigmoid(z);
    const value = tf.reshape(tf.mul(z, sig), [n, oh, ow, p.co]) as tf.Tensor4D;
    p.runMean.assign(runMean);
    p.runVar.assign(runVar);
    save([...inputs, w, y, sig, gamma, beta, mean, variance]);
    const gradFunc = (dout: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const sx = saved.slice(0, nx) as tf.Tensor4D[];
      const [sw, sy, ssig, sgamma, sbeta, smean, svar] = saved.slice(nx);
      const [dy, dgamma, dbeta] = tf.engine().runKernel(BN_SILU_GRAD, {
        dout: as2d(dout), y: sy, s: ssig, gamma: sgamma, beta: sbeta, mean: smean, variance: svar,
      }, { eps: BN_EPS }) as tf.Tensor[];
      let dw: tf.Tensor;
      let dxs: tf.Tensor[] = [];
      if (p.k === 1 && p.s === 1) {
        dw = filterGrad1x1(sx, dy as tf.Tensor2D);
        if (needInputGrad) {
          const partsT = weightParts(sw, sx, p.co, true);
          dxs = sx.map((x, i) => tf.reshape(matMuls([[dy as tf.Tensor2D, partsT[i]]]), x.shape));
        }
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

/** Detect's 1x1 conv with bias; `fused` computes its gradients with matMuls and our filter-gradient kernel. */
export function headConv(p: HeadConvParams, x: tf.Tensor4D, fused: boolean): tf.Tensor4D {
  const [n, h, w] = x.shape;
  if (!fused) return tf.add(tf.conv2d(x, p.w as tf.Tensor4D, 1, 'valid'), p.b);
  const op = tf.customGrad((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [xi, wi, bi] = args as tf.Tensor[];
    const w2 = tf.reshape(wi, [p.ci, p.co]);
    const value = tf.reshape(tf.fused.matMul({ a: as2d(xi), b: w2, bias: bi }), [n, h, w, p.co]);
    save([xi, w2]);
    const gradFunc = (dout: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [sx, sw] = saved;
      const dy = as2d(dout);
      return [
        tf.reshape(matMuls([[dy as tf.Tensor2D, weightParts(sw, [sx as tf.Tensor4D], p.co, true)[0]]]), sx.shape),
        filterGrad1x1([sx as tf.Tensor4D], dy as tf.Tensor2D),
        // A ones-row matMul: wasm's Sum over the leading axis transposes dy first (~8x slower).
        tf.reshape(tf.matMul(tf.fill([1, dy.shape[0]], 1), dy), [p.co]),
      ];
    };
    return { value, gradFunc };
  });
  return op(x, p.w, p.b) as tf.Tensor4D;
}

/**
 * The YOLOv5 v6+ network (models/yolov5*.yaml, models/common.py, models/yolo.py in
 * ultralytics/yolov5) as plain functions over tf.Variables, NHWC:
 *   backbone: Conv 6x6/2 p2, Conv 3x3/2, C3, Conv, C3, Conv, C3, Conv, C3, SPPF(5)
 *   head:     Conv 1x1, up, cat P4, C3, Conv 1x1, up, cat P3, C3 (P3) ; Conv 3x3/2, cat, C3 (P4) ;
 *             Conv 3x3/2, cat, C3 (P5) ; Detect (1x1 conv per level, 3 anchors x (5 + nc)).
 * Backbone C3 blocks use residual bottlenecks, head C3 blocks do not. Concat layers are folded
 * into the following 1x1 Convs (conv-block.ts), which is the same function.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MAX_POOL_SAME_GRAD } from '../kernels/index.ts';
import { scaleDepth, scaleWidth, type YoloSize } from './config.ts';
import { convBnSiluEval, convBnSiluFused, convBnSiluReference, headConv, type ConvImpl } from './conv-block.ts';
import type { ConvBnParams, HeadConvParams, ParamFactory } from './params.ts';

interface C3Params { cv1: ConvBnParams; cv2: ConvBnParams; cv3: ConvBnParams; m: { cv1: ConvBnParams; cv2: ConvBnParams }[]; shortcut: boolean }
interface SppfParams { cv1: ConvBnParams; cv2: ConvBnParams }

/** All layers of one network. */
export interface YoloLayers {
  stem: ConvBnParams; down1: ConvBnParams; c3b2: C3Params; down3: ConvBnParams; c3b4: C3Params;
  down5: ConvBnParams; c3b6: C3Params; down7: ConvBnParams; c3b8: C3Params; sppf: SppfParams;
  h10: ConvBnParams; c3h13: C3Params; h14: ConvBnParams; c3h17: C3Params; h18: ConvBnParams;
  c3h20: C3Params; h21: ConvBnParams; c3h23: C3Params; detect: HeadConvParams[];
}

function makeC3(f: ParamFactory, name: string, c1: number, c2: number, n: number, shortcut: boolean): C3Params {
  const c = Math.floor(c2 * 0.5);
  return {
    cv1: f.convBn(`${name}.cv1`, c1, c, 1),
    cv2: f.convBn(`${name}.cv2`, c1, c, 1),
    cv3: f.convBn(`${name}.cv3`, 2 * c, c2, 1),
    m: Array.from({ length: n }, (_, i) => ({
      cv1: f.convBn(`${name}.m.${i}.cv1`, c, c, 1),
      cv2: f.convBn(`${name}.m.${i}.cv2`, c, c, 3),
    })),
    shortcut,
  };
}

/** Log-odds priors YOLOv5's Detect._initialize_biases adds: 8 objects per 640px image, 0.6/nc class. */
export function detectBiasPrior(stride: number, nc: number, na: number): (b: Float32Array) => void {
  const no = nc + 5;
  return (b) => {
    for (let a = 0; a < na; a++) {
      b[a * no + 4] += Math.log(8 / (640 / stride) ** 2);
      for (let c = 0; c < nc; c++) b[a * no + 5 + c] += Math.log(0.6 / (nc - 0.99));
    }
  };
}

/** Creates the variables of a YOLOv5 of `size` with `nc` classes and `na` anchors per level. */
export function buildLayers(f: ParamFactory, size: YoloSize, nc: number, na: number, strides: readonly number[]): YoloLayers {
  const ch = (c: number) => scaleWidth(c, size);
  const d = (n: number) => scaleDepth(n, size);
  const [c64, c128, c256, c512, c1024] = [ch(64), ch(128), ch(256), ch(512), ch(1024)];
  const layers: Omit<YoloLayers, 'detect'> = {
    stem: f.convBn('model.0', 3, c64, 6, 2, 2),
    down1: f.convBn('model.1', c64, c128, 3, 2),
    c3b2: makeC3(f, 'model.2', c128, c128, d(3), true),
    down3: f.convBn('model.3', c128, c256, 3, 2),
    c3b4: makeC3(f, 'model.4', c256, c256, d(6), true),
    down5: f.convBn('model.5', c256, c512, 3, 2),
    c3b6: makeC3(f, 'model.6', c512, c512, d(9), true),
    down7: f.convBn('model.7', c512, c1024, 3, 2),
    c3b8: makeC3(f, 'model.8', c1024, c1024, d(3), true),
    sppf: { cv1: f.convBn('model.9.cv1', c1024, c1024 / 2, 1), cv2: f.convBn('model.9.cv2', c1024 * 2, c1024, 1) },
    h10: f.convBn('model.10', c1024, c512, 1),
    c3h13: makeC3(f, 'model.13', c512 * 2, c512, d(3), false),
    h14: f.convBn('model.14', c512, c256, 1),
    c3h17: makeC3(f, 'model.17', c256 * 2, c256, d(3), false),
    h18: f.convBn('model.18', c256, c256, 3, 2),
    c3h20: makeC3(f, 'model.20', c256 * 2, c512, d(3), false),
    h21: f.convBn('model.21', c512, c512, 3, 2),
    c3h23: makeC3(f, 'model.23', c512 * 2, c1024, d(3), false),
  };
  const no = nc + 5;
  const detect = [c256, c512, c1024].map((ci, i) =>
    f.headConv(`model.24.m.${i}`, ci, na * no, detectBiasPrior(strides[i], nc, na)));
  return { ...layers, detect };
}

type ConvFn = (p: ConvBnParams, xs: tf.Tensor4D[]) => tf.Tensor4D;

function c3(conv: ConvFn, p: C3Params, xs: tf.Tensor4D[]): tf.Tensor4D {
  let a = conv(p.cv1, xs);
  for (const b of p.m) {
    const y = conv(b.cv2, [conv(b.cv1, [a])]);
    a = p.shortcut ? tf.add(a, y) : y;
  }
  return conv(p.cv3, [a, conv(p.cv2, xs)]);
}

/** 5x5 stride-1 'same' max pool whose gradient is our kernel (kernels/max-pool-grad.ts). */
const maxPool5 = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
  save([x]);
  return {
    value: tf.maxPool(x, 5, 1, 'same') as tf.Tensor,
    gradFunc: (dy: tf.Tensor, [sx]: tf.Tensor[]) =>
      tf.engine().runKernel(MAX_POOL_SAME_GRAD, { x: sx, dy }, { filterSize: 5 }) as tf.Tensor,
  };
}) as (x: tf.Tensor4D) => tf.Tensor4D;

function sppf(conv: ConvFn, p: SppfParams, x: tf.Tensor4D, fused: boolean): tf.Tensor4D {
  const a = conv(p.cv1, [x]);
  const pool = fused ? maxPool5 : (t: tf.Tensor4D) => tf.maxPool(t, 5, 1, 'same');
  const y1 = pool(a);
  const y2 = pool(y1);
  const y3 = pool(y2);
  return conv(p.cv2, [a, y1, y2, y3]);
}

/**
 * Nearest 2x upsampling. Its gradient is written here because tfjs-backend-wasm 4.22's
 * ResizeNearestNeighborGrad is wrong for batches larger than one (it disagrees with the cpu
 * backend); the gradient of nearest 2x is the sum over each 2x2 block.
 */
const upsample2x = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor4D;
  const [n, h, w, c] = x.shape;
  return {
    value: tf.image.resizeNearestNeighbor(x, [h * 2, w * 2]) as tf.Tensor,
    gradFunc: (dy: tf.Tensor) => tf.reshape(tf.sum(tf.reshape(dy, [n * h, 2, w, 2, c]), [1, 3]), [n, h, w, c]),
  };
}) as (x: tf.Tensor4D) => tf.Tensor4D;

/**
 * Runs the network. Training mode uses batch statistics (and updates the running ones) through
 * `impl`; eval mode uses folded running statistics. Returns the raw Detect outputs
 * [B, ny, nx, na, 5 + nc] for P3, P4, P5. Does not dispose its input.
 */
export function runYolo(L: YoloLayers, x: tf.Tensor4D, training: boolean, impl: ConvImpl, na: number): tf.Tensor[] {
  const conv: ConvFn = !training ? convBnSiluEval
    : impl === 'fused' ? (p, xs) => convBnSiluFused(p, xs, true)
      : convBnSiluReference;
  const stem = training && impl === 'fused' ? convBnSiluFused(L.stem, [x], false) : conv(L.stem, [x]);
  const p3b = c3(conv, L.c3b4, [conv(L.down3, [c3(conv, L.c3b2, [conv(L.down1, [stem])])])]);
  const p4b = c3(conv, L.c3b6, [conv(L.down5, [p3b])]);
  const p5b = sppf(conv, L.sppf, c3(conv, L.c3b8, [conv(L.down7, [p4b])]), impl === 'fused');
  const h10 = conv(L.h10, [p5b]);
  const h14 = conv(L.h14, [c3(conv, L.c3h13, [upsample2x(h10), p4b])]);
  const p3 = c3(conv, L.c3h17, [upsample2x(h14), p3b]);
  const p4 = c3(conv, L.c3h20, [conv(L.h18, [p3]), h14]);
  const p5 = c3(conv, L.c3h23, [conv(L.h21, [p4]), h10]);
  const fusedHead = impl === 'fused';
  return [p3, p4, p5].map((f, i) => {
    const y = headConv(L.detect[i], f, fusedHead);
    const [b, ny, nx] = y.shape;
    return tf.reshape(y, [b, ny, nx, na, y.shape[3] / na]);
  });
}

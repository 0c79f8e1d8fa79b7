/**
 * Gradients of a square-kernel NHWC conv2d with symmetric padding, built from fast forward ops
 * (DESIGN.md measured conv2dTranspose on WASM at ~5x a forward conv):
 * - input gradient: one stride-1 conv of dy with a filter built from w (flipped, channel axes
 *   swapped, and for stride > 1 split by output residue; kernels/conv-input-grad-filter.ts);
 * - filter gradient: the Conv2DBackpropFilter kernel (on WASM ours, kernels/conv2d-backprop-filter.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { CONV_INPUT_GRAD_FILTER, inputGradPlan } from '../kernels/conv-input-grad-filter.ts';
import { DEPTH_TO_SPACE_CROP } from '../kernels/depth-to-space.ts';

/** Explicit NHWC padding of `p` on every spatial side. */
export function explicitPad(p: number): tf.backend_util.ExplicitPadding {
  return [[0, 0], [p, p], [p, p], [0, 0]];
}

/**
 * d(conv2d(x, w, s, p))/dx for x of shape `xShape`, given dy: one stride-1 conv of dy with the
 * filter of kernels/conv-input-grad-filter.ts, then depth-to-space (and a crop) when s > 1.
 */
export function convInputGrad(
  dy: tf.Tensor4D, w: tf.Tensor4D, xShape: readonly number[], s: number, p: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, wd] = xShape;
    const { kc, padBefore } = inputGradPlan(w.shape[0], s, p);
    const filter = tf.engine().runKernel(CONV_INPUT_GRAD_FILTER, { w }, { stride: s, pad: p }) as tf.Tensor4D;
    const hq = Math.ceil(h / s);
    const wq = Math.ceil(wd / s);
    // Padding after dy that makes the conv output exactly hq x wq; when negative, dy reaches past
    // what the input needs, so pad 0 and crop the surplus instead.
    const bottom = hq - dy.shape[1] - padBefore + kc - 1;
    const right = wq - dy.shape[2] - padBefore + kc - 1;
    let dx = tf.conv2d(dy, filter, 1, [[0, 0], [padBefore, Math.max(bottom, 0)], [padBefore, Math.max(right, 0)], [0, 0]]);
    if (bottom < 0 || right < 0) dx = tf.slice(dx, [0, 0, 0, 0], [-1, hq, wq, -1]);
    if (s > 1) dx = tf.engine().runKernel(DEPTH_TO_SPACE_CROP, { x: dx }, { blockSize: s, height: h, width: wd }) as tf.Tensor4D;
    return dx;
  });
}

/** d(conv2d(x, w, s, p))/dw, shaped like w ([k, k, Ci, Co]). */
export function convFilterGrad(
  x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number], s: number, p: number,
): tf.Tensor4D {
  return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
    strides: [s, s], pad: explicitPad(p), dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape,
  } as never) as tf.Tensor4D;
}

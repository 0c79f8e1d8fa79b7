/**
 * Gradients of a square-kernel NHWC conv2d with symmetric padding, built from fast forward ops
 * (DESIGN.md measured conv2dTranspose on WASM at ~5x a forward conv):
 * - input gradient: a stride-1 conv of dy (zero-interleaved when stride > 1) with the filter
 *   flipped spatially and its channel axes swapped (the adjoint of correlation);
 * - filter gradient: the Conv2DBackpropFilter kernel (on WASM ours, kernels/conv2d-backprop-filter.ts).
 */
import * as tf from '@tensorflow/tfjs-core';

/** Explicit NHWC padding of `p` on every spatial side. */
export function explicitPad(p: number): tf.backend_util.ExplicitPadding {
  return [[0, 0], [p, p], [p, p], [0, 0]];
}

/** dy [N, OH, OW, C] -> [N, OH*s, OW*s, C] with dy at multiples of s and zeros elsewhere. */
function zeroInterleave(dy: tf.Tensor4D, s: number): tf.Tensor4D {
  const [n, oh, ow, c] = dy.shape;
  const rows = tf.pad(tf.reshape(dy, [n * oh, 1, ow, c]), [[0, 0], [0, s - 1], [0, 0], [0, 0]]);
  const both = tf.pad(tf.reshape(rows, [n * oh * s, ow, 1, c]), [[0, 0], [0, 0], [0, s - 1], [0, 0]]);
  return tf.reshape(both, [n, oh * s, ow * s, c]);
}

/** d(conv2d(x, w, s, p))/dx for x of shape `xShape`, given dy. */
export function convInputGrad(
  dy: tf.Tensor4D, w: tf.Tensor4D, xShape: readonly number[], s: number, p: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const k = w.shape[0];
    const [, h, wd] = xShape;
    const flipped = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    const src = s > 1 ? zeroInterleave(dy, s) : dy;
    const top = k - 1 - p;
    // Bottom/right padding that makes the output exactly h x wd; a negative value means the
    // interleaved dy reaches past the input, so pad 0 and crop the surplus rows instead.
    const bottom = h - src.shape[1] - top + k - 1;
    const right = wd - src.shape[2] - top + k - 1;
    let dx = tf.conv2d(src, flipped, 1, [[0, 0], [top, Math.max(bottom, 0)], [top, Math.max(right, 0)], [0, 0]]);
    if (bottom < 0 || right < 0) dx = tf.slice(dx, [0, 0, 0, 0], [-1, h, wd, -1]);
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

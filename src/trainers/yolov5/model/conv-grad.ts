/**
 * Gradients of a square-kernel NHWC conv2d with symmetric padding, built from fast forward ops
 * (DESIGN.md measured conv2dTranspose on WASM at ~5x a forward conv):
 * - input gradient: stride-1 convs of dy with filters built from w (flipped, channel axes
 *   swapped, and for stride > 1 one per output residue; kernels/conv-input-grad-filter.ts);
 * - filter gradient: our windowed-conv filter gradient (kernels/conv2d.ts) where it applies, else
 *   the Conv2DBackpropFilter kernel (on WASM ours, kernels/conv2d-backprop-filter.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { CONV_INPUT_GRAD_FILTER, inputGradPlan, type ResiduePlan } from '../kernels/conv-input-grad-filter.ts';
import { CONV2D, CONV2D_FILTER_GRAD, conv2dFilterGrad, conv2dWindow, ownConvKernel } from '../kernels/conv2d.ts';
import { INTERLEAVE } from '../kernels/interleave.ts';

/** Explicit NHWC padding of `p` on every spatial side. */
export function explicitPad(p: number): tf.backend_util.ExplicitPadding {
  return [[0, 0], [p, p], [p, p], [0, 0]];
}

/**
 * Padding [before, after] of dy for the stride-1 conv giving `outLen` rows of residue `r`, and how
 * many leading dy rows to drop first (when the residue's window starts past dy's first row).
 */
function residuePadding(r: ResiduePlan, dyLen: number, outLen: number): { before: number; after: number; skip: number } {
  const skip = Math.max(r.start, 0);
  const before = Math.max(-r.start, 0);
  return { before, after: outLen - 1 + r.start + r.count - 1 - (dyLen - 1), skip };
}

/** One residue pair's conv: dy (rows/columns skipped and padded as planned) with its filter. */
function residueConv(dy: tf.Tensor4D, f: tf.Tensor4D, rr: ResiduePlan, rc: ResiduePlan, outH: number, outW: number): tf.Tensor4D {
  const pr = residuePadding(rr, dy.shape[1], outH);
  const pc = residuePadding(rc, dy.shape[2], outW);
  if (ownConvKernel(CONV2D, f.shape[3])) {
    // Skipped rows and padding in one window (kernels/conv2d.ts).
    return conv2dWindow(dy, f, { stride: 1, top: pr.before - pr.skip, left: pc.before - pc.skip, outHeight: outH, outWidth: outW });
  }
  const src = pr.skip > 0 || pc.skip > 0 ? tf.slice(dy, [0, pr.skip, pc.skip, 0], [-1, -1, -1, -1]) : dy;
  // A negative "after" means dy reaches past what these rows need: pad 0 and crop instead.
  let out = tf.conv2d(src, f, 1, [[0, 0], [pr.before, Math.max(pr.after, 0)], [pc.before, Math.max(pc.after, 0)], [0, 0]]);
  if (out.shape[1] !== outH || out.shape[2] !== outW) out = tf.slice(out, [0, 0, 0, 0], [-1, outH, outW, -1]);
  return out;
}

/**
 * d(conv2d(x, w, s, p))/dx for x of shape `xShape`, given dy: one stride-1 conv of dy per
 * (row, column) residue with the filters of kernels/conv-input-grad-filter.ts, interleaved when
 * s > 1 (kernels/interleave.ts).
 */
export function convInputGrad(
  dy: tf.Tensor4D, w: tf.Tensor4D, xShape: readonly number[], s: number, p: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, wd] = xShape;
    const plan = inputGradPlan(w.shape[0], s, p);
    const filters = tf.engine().runKernel(CONV_INPUT_GRAD_FILTER, { w }, { stride: s, pad: p }) as tf.Tensor4D[];
    const parts: Record<string, tf.Tensor4D> = {};
    let next = 0;
    plan.forEach((rr, a) => plan.forEach((rc, b) => {
      if (rr.count === 0 || rc.count === 0) return;
      parts[String(a * s + b)] = residueConv(dy, filters[next++], rr, rc, Math.ceil((h - a) / s), Math.ceil((wd - b) / s));
    }));
    if (s === 1) return parts['0'];
    if (next === 0) return tf.zeros(xShape as [number, number, number, number]);
    return tf.engine().runKernel(INTERLEAVE, parts, { stride: s, height: h, width: wd }) as tf.Tensor4D;
  });
}

/** d(conv2d(x, w, s, p))/dw, shaped like w ([k, k, Ci, Co]). */
export function convFilterGrad(
  x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number], s: number, p: number,
): tf.Tensor4D {
  if (ownConvKernel(CONV2D_FILTER_GRAD, filterShape[3])) {
    return conv2dFilterGrad([x], dy, { stride: s, top: p, left: p, kh: filterShape[0], kw: filterShape[1] });
  }
  return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
    strides: [s, s], pad: explicitPad(p), dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape,
  } as never) as tf.Tensor4D;
}

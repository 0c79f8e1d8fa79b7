/**
 * The filters that turn a conv's input gradient into forward convs, for any stride.
 *
 * For y = conv2d(x, w, stride s, pad p), an input row r = s*q + a (a in [0, s)) receives
 * dy[o] * w[t] for t = r + p - s*o. For residue a the taps are t = s*j + base_a (base_a =
 * (a + p) mod s) and o = q + off_a - j (off_a = floor((a + p) / s)): a stride-1 correlation of dy,
 * starting at row q + start_a, with the sub-filter w[base_a], w[s + base_a], ... reversed. So dx
 * splits into s*s stride-1 convs of dy, one per (row, column) residue, with exactly the taps the
 * forward conv used (for 3x3 stride 2: 1x1, 1x2, 2x1 and 2x2 filters, 9 taps in all, where a conv
 * of zero-interleaved dy costs 36), and kernels/interleave.ts weaves their outputs into dx. For
 * stride 1 this is the usual single filter, flipped and with its channel axes swapped.
 */
import { registerKernel, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { simdFor } from './simd/runtime.ts';
import { withRawArrays } from './tensor-memory.ts';

export const CONV_INPUT_GRAD_FILTER = 'HpoConvInputGradFilter';

/** One residue of one spatial axis: its taps and where its window starts relative to q. */
export interface ResiduePlan {
  /** Number of filter taps (0: these rows of dx get no gradient). */
  count: number;
  /** Window of output row q starts at dy row q + start. */
  start: number;
  /** taps[i]: the filter tap at window position i. */
  taps: number[];
}

/** The s residues of an axis with kernel size k, stride s and symmetric padding p. */
export function inputGradPlan(k: number, s: number, p: number): ResiduePlan[] {
  return Array.from({ length: s }, (_, a) => {
    const base = (a + p) % s;
    const off = Math.floor((a + p) / s);
    const count = base < k ? Math.ceil((k - base) / s) : 0;
    const taps = Array.from({ length: count }, (_, i) => s * (count - 1 - i) + base);
    return { count, start: off - (count - 1), taps };
  });
}

interface FilterAttrs { stride: number; pad: number }

/**
 * Input w [k, k, Ci, Co]; outputs, for each residue pair (a, b) in row-major order with taps on
 * both axes, the filter [count_a, count_b, Co, Ci] of its conv (see the file comment).
 */
const inputGradFilters: KernelFunc = ({ inputs, backend, attrs }) => {
  const { w } = inputs as Record<string, TensorInfo>;
  const { stride: s, pad } = attrs as unknown as FilterAttrs;
  const [k, , ci, co] = w.shape;
  const plan = inputGradPlan(k, s, pad);
  const pairs: [ResiduePlan, ResiduePlan][] = [];
  for (const ra of plan) for (const rb of plan) if (ra.count > 0 && rb.count > 0) pairs.push([ra, rb]);
  const simd = simdFor(backend);
  if (simd != null) {
    // Each tap's [Ci, Co] -> [Co, Ci] is a 1x1 transposed im2col of that block seen as [1, 1, Ci, Co].
    const outs = pairs.map(([ra, rb]) => simd.backend.makeOutput([ra.count, rb.count, co, ci], 'float32'));
    const tap = co % 4 === 0 ? simd.fns.im2colTap4 : simd.fns.im2colTap;
    pairs.forEach(([ra, rb], idx) => {
      for (let i = 0; i < ra.count; i++) {
        for (let j = 0; j < rb.count; j++) {
          tap(simd.offset(w) + (ra.taps[i] * k + rb.taps[j]) * ci * co * 4, simd.offset(outs[idx]) + (i * rb.count + j) * co * ci * 4,
            1, 1, ci, co, 1, ci, 1, 1, 0, 0, 0, ci, ci);
        }
      }
    });
    return outs;
  }
  const io = withRawArrays(backend, [w], pairs.map(([ra, rb]) => ({ shape: [ra.count, rb.count, co, ci], dtype: 'float32' as const })));
  const wv = io.ins[0] as Float32Array;
  pairs.forEach(([ra, rb], idx) => {
    const out = io.outs[idx] as Float32Array;
    for (let i = 0; i < ra.count; i++) {
      for (let j = 0; j < rb.count; j++) {
        const src = (ra.taps[i] * k + rb.taps[j]) * ci * co;
        const dst = (i * rb.count + j) * co * ci;
        for (let c = 0; c < ci; c++) {
          for (let o = 0; o < co; o++) out[dst + o * ci + c] = wv[src + c * co + o];
        }
      }
    }
  });
  return io.outputs;
};

/** Registers the kernel for 'wasm' and 'cpu'. */
export function registerConvInputGradFilter(): void {
  for (const backendName of ['wasm', 'cpu']) {
    registerKernel({ kernelName: CONV_INPUT_GRAD_FILTER, backendName, kernelFunc: inputGradFilters });
  }
}

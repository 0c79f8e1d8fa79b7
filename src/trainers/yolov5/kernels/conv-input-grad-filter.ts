/**
 * The filter that turns a conv's input gradient into ONE forward conv, for any stride.
 *
 * For y = conv2d(x, w, stride s, pad p), an input row r = s*q + a (a in [0, s)) receives
 * dy[o] * w[t] for t = r + p - s*o. For residue a the taps are t = s*j + base_a (base_a =
 * (a + p) mod s) and o = q + off_a - j (off_a = floor((a + p) / s)): a stride-1 correlation of dy
 * with the sub-filter w[base_a], w[s + base_a], ... reversed. Stacking the s*s (row, column)
 * residues as output channel blocks gives one stride-1 conv of dy with a [Kc, Kc, Co, s*s*Ci]
 * filter (zeros where a residue has fewer taps), and depth-to-space interleaves its output into
 * dx. For 3x3 stride 2 this is a 2x2 conv on dy: 16/9 of the forward FLOPs, where convolving a
 * zero-interleaved dy costs 4x. For stride 1 it is the usual flipped, channel-swapped filter.
 */
import { registerKernel, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { withRawArrays } from './tensor-memory.ts';

export const CONV_INPUT_GRAD_FILTER = 'HpoConvInputGradFilter';

/** How one spatial axis of the input gradient is computed. */
export interface InputGradPlan {
  /** Window size of the combined conv. */
  kc: number;
  /** Zero rows to add before dy (the window of output row q starts at dy row q - padBefore). */
  padBefore: number;
  /** taps[a][i]: the filter tap at window position i for residue a, or -1 for none. */
  taps: number[][];
}

/** The plan for kernel size k, stride s and symmetric padding p along one axis. */
export function inputGradPlan(k: number, s: number, p: number): InputGradPlan {
  const residues = Array.from({ length: s }, (_, a) => {
    const base = (a + p) % s;
    const off = Math.floor((a + p) / s);
    const count = base < k ? Math.ceil((k - base) / s) : 0;
    return { base, count, start: off - (count - 1) };
  });
  const used = residues.filter((r) => r.count > 0);
  const lo = Math.min(...used.map((r) => r.start));
  const hi = Math.max(...used.map((r) => r.start + r.count));
  const kc = hi - lo;
  const taps = residues.map((r) => {
    const row = new Array<number>(kc).fill(-1);
    for (let i = 0; i < r.count; i++) row[r.start - lo + i] = s * (r.count - 1 - i) + r.base;
    return row;
  });
  return { kc, padBefore: -lo, taps };
}

interface FilterAttrs { stride: number; pad: number }

/** Input w [k, k, Ci, Co]; output [Kc, Kc, Co, s*s*Ci] (see the file comment). */
const inputGradFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const { w } = inputs as Record<string, TensorInfo>;
  const { stride: s, pad } = attrs as unknown as FilterAttrs;
  const [k, , ci, co] = w.shape;
  const { kc, taps } = inputGradPlan(k, s, pad);
  const oc = s * s * ci;
  const io = withRawArrays(backend, [w], [{ shape: [kc, kc, co, oc], dtype: 'float32' }]);
  const wv = io.ins[0] as Float32Array;
  const out = io.outs[0] as Float32Array;
  out.fill(0);
  for (let ar = 0; ar < s; ar++) {
    for (let ac = 0; ac < s; ac++) {
      const block = (ar * s + ac) * ci;
      for (let pr = 0; pr < kc; pr++) {
        const tr = taps[ar][pr];
        if (tr < 0) continue;
        for (let pc = 0; pc < kc; pc++) {
          const tc = taps[ac][pc];
          if (tc < 0) continue;
          const src = (tr * k + tc) * ci * co;
          const dst = (pr * kc + pc) * co * oc + block;
          for (let c = 0; c < ci; c++) {
            for (let o = 0; o < co; o++) out[dst + o * oc + c] = wv[src + c * co + o];
          }
        }
      }
    }
  }
  return io.outputs[0];
};

/** Registers the kernel for 'wasm' and 'cpu'. */
export function registerConvInputGradFilter(): void {
  for (const backendName of ['wasm', 'cpu']) {
    registerKernel({ kernelName: CONV_INPUT_GRAD_FILTER, backendName, kernelFunc: inputGradFilter });
  }
}

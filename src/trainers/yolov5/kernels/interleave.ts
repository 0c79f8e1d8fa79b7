/**
 * Interleaves s*s tensors into one, as a JS kernel: inputs '0' .. String(s*s - 1), input a*s + b
 * of shape [N, Ha, Wb, C] holding rows s*q + a and columns s*r + b of the output [N, H, W, C]
 * (Ha = ceil((H - a) / s)). The inverse of a strided split; assembles the input gradient of a
 * strided conv from its per-residue convs (conv-input-grad-filter.ts). A missing input (a residue
 * without filter taps) leaves zeros. On the WASM backend, with C a multiple of 4, the copies run
 * as SIMD WebAssembly (simd/programs.ts, copyRuns).
 */
import { registerKernel, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { simdFor, type SimdContext } from './simd/runtime.ts';
import { withRawArrays } from './tensor-memory.ts';

export const INTERLEAVE = 'HpoInterleave';

interface Attrs { stride: number; height: number; width: number }

function checkShape(t: TensorInfo, idx: number, s: number, H: number, W: number, c: number): void {
  const a = Math.floor(idx / s);
  const b = idx % s;
  if (t.shape[1] !== Math.ceil((H - a) / s) || t.shape[2] !== Math.ceil((W - b) / s) || t.shape[3] !== c) {
    throw new Error(`${INTERLEAVE}: input ${idx} has shape [${t.shape}], expected rows ${Math.ceil((H - a) / s)} and columns ${Math.ceil((W - b) / s)} of ${c} channels`);
  }
}

/** The WASM path for C a multiple of 4: one strided SIMD copy per (input, image). */
function interleaveSimd(ctx: SimdContext, order: (TensorInfo | undefined)[], s: number, H: number, W: number): TensorInfo {
  const present = order.find((t) => t != null) as TensorInfo;
  const [n, , , c] = present.shape;
  const out = ctx.backend.makeOutput([n, H, W, c], 'float32');
  const base = ctx.offset(out);
  if (order.some((t) => t == null)) new Float32Array(ctx.memory.buffer, base, n * H * W * c).fill(0);
  order.forEach((t, idx) => {
    if (t == null) return;
    checkShape(t, idx, s, H, W, c);
    const [, ha, wb] = t.shape;
    const a = Math.floor(idx / s);
    const b = idx % s;
    for (let bn = 0; bn < n; bn++) {
      ctx.fns.copyRuns(ctx.offset(t) + bn * ha * wb * c * 4, base + ((bn * H + a) * W + b) * c * 4,
        ha, wb, c, wb * c, s * W * c, s * c);
    }
  });
  return out;
}

const interleave: KernelFunc = ({ inputs, backend, attrs }) => {
  const { stride: s, height: H, width: W } = attrs as unknown as Attrs;
  const parts = inputs as Record<string, TensorInfo>;
  const keys = Object.keys(parts);
  const first = parts[keys[0]];
  const [n, , , c] = first.shape;
  const order: (TensorInfo | undefined)[] = Array.from({ length: s * s }, (_, i) => parts[String(i)]);
  const simd = c % 4 === 0 ? simdFor(backend) : null;
  if (simd != null) return interleaveSimd(simd, order, s, H, W);
  const present = order.filter((t): t is TensorInfo => t != null);
  const io = withRawArrays(backend, present, [{ shape: [n, H, W, c], dtype: 'float32' }]);
  const out = io.outs[0] as Float32Array;
  if (present.length < s * s) out.fill(0);
  let k = 0;
  for (let idx = 0; idx < s * s; idx++) {
    const t = order[idx];
    if (t == null) continue;
    const xv = io.ins[k++] as Float32Array;
    checkShape(t, idx, s, H, W, c);
    const a = Math.floor(idx / s);
    const b = idx % s;
    const [, ha, wb] = t.shape;
    for (let bn = 0; bn < n; bn++) {
      for (let q = 0; q < ha; q++) {
        let src = ((bn * ha + q) * wb) * c;
        let dst = ((bn * H + s * q + a) * W + b) * c;
        const step = s * c;
        for (let r = 0; r < wb; r++) {
          for (let ch = 0; ch < c; ch++) out[dst + ch] = xv[src + ch];
          src += c;
          dst += step;
        }
      }
    }
  }
  return io.outputs[0];
};

/** Registers the kernel for 'wasm' and 'cpu'. */
export function registerInterleave(): void {
  for (const backendName of ['wasm', 'cpu']) registerKernel({ kernelName: INTERLEAVE, backendName, kernelFunc: interleave });
}

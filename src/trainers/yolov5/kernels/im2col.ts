/**
 * Transposed im2col as a JS kernel: x [N, H, W, Ci] -> cols [KH*KW*Ci, N*OH*OW] with
 *   cols[(kh*KW + kw)*Ci + c, (n*OH + oh)*OW + ow] = x[n, oh*sh + kh - top, ow*sw + kw - left, c]
 * (zero outside x). The filter gradient of a conv is then ONE matMul, cols x dy[N*OH*OW, Co],
 * already in the filter's [KH, KW, Ci, Co] layout; for a 1x1 stride-1 conv cols is x transposed.
 * Written by us because tfjs-backend-wasm 4.22's Transpose ran at ~5 ns per element; the loop
 * reads one input row (in L1) per (tap, n, oh) and writes runs of OW contiguous floats. On the
 * WASM backend the loop runs as compiled WebAssembly (simd/programs.ts, im2colTap), elsewhere in JS.
 */
import { registerKernel, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { simdFor, type SimdContext } from './simd/runtime.ts';
import { withRawArrays } from './tensor-memory.ts';

export const IM2COL_T = 'HpoIm2colT';

/** Attributes of {@link IM2COL_T}: kernel size, strides, top/left padding, output size. */
export interface Im2colAttrs {
  kh: number; kw: number; sh: number; sw: number;
  top: number; left: number; oh: number; ow: number;
}

/** Output columns ow in [lo, hi) whose input column ow*sw + j - left lies inside [0, W). */
function validColumns(j: number, a: Im2colAttrs, W: number): [number, number] {
  const lo = Math.min(a.ow, Math.max(0, Math.ceil((a.left - j) / a.sw)));
  const hi = Math.max(lo, Math.min(a.ow, Math.floor((W - 1 + a.left - j) / a.sw) + 1));
  return [lo, hi];
}

function im2colSimd(ctx: SimdContext, x: TensorInfo, a: Im2colAttrs): TensorInfo {
  const [N, H, W, C] = x.shape;
  const M = N * a.oh * a.ow;
  const out = ctx.backend.makeOutput([a.kh * a.kw * C, M], 'float32');
  const base = ctx.offset(out);
  for (let i = 0; i < a.kh; i++) {
    for (let j = 0; j < a.kw; j++) {
      const [lo, hi] = validColumns(j, a, W); // lo === hi: the tap's rows are all zeros
      ctx.fns.im2colTap(ctx.offset(x), base + (i * a.kw + j) * C * M * 4, N, H, W, C, a.oh, a.ow,
        a.sh, a.sw, i - a.top, j - a.left, lo, hi, M);
    }
  }
  return out;
}

const im2colT: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x } = inputs as Record<string, TensorInfo>;
  const a = attrs as unknown as Im2colAttrs;
  const simd = simdFor(backend);
  if (simd != null) return im2colSimd(simd, x, a);
  const { kh, kw, sh, sw, top, left, oh: OH, ow: OW } = a;
  const [N, H, W, C] = x.shape;
  const M = N * OH * OW;
  const io = withRawArrays(backend, [x], [{ shape: [kh * kw * C, M], dtype: 'float32' }]);
  const xv = io.ins[0] as Float32Array;
  const out = io.outs[0] as Float32Array;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const rowBase = (i * kw + j) * C * M;
      const [owLo, owHi] = validColumns(j, a, W);
      for (let n = 0; n < N; n++) {
        for (let r = 0; r < OH; r++) {
          const m0 = (n * OH + r) * OW;
          const ih = r * sh + i - top;
          if (ih < 0 || ih >= H) {
            for (let c = 0; c < C; c++) out.fill(0, rowBase + c * M + m0, rowBase + c * M + m0 + OW);
            continue;
          }
          const src0 = ((n * H + ih) * W + (owLo * sw + j - left)) * C;
          const step = sw * C;
          for (let c = 0; c < C; c++) {
            const dst = rowBase + c * M + m0;
            for (let q = 0; q < owLo; q++) out[dst + q] = 0;
            let src = src0 + c;
            for (let q = owLo; q < owHi; q++) {
              out[dst + q] = xv[src];
              src += step;
            }
            for (let q = owHi; q < OW; q++) out[dst + q] = 0;
          }
        }
      }
    }
  }
  return io.outputs[0];
};

/** Registers the kernel for 'wasm' and 'cpu'. */
export function registerIm2colT(): void {
  for (const backendName of ['wasm', 'cpu']) registerKernel({ kernelName: IM2COL_T, backendName, kernelFunc: im2colT });
}

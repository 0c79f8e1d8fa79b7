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
export const IM2COL_T_STACK = 'HpoIm2colTStack';

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

/** Writes im2colT(x) as `kh*kw*C` rows of M columns starting at heap byte address `base`. */
function fillSimd(ctx: SimdContext, x: TensorInfo, a: Im2colAttrs, base: number, M: number): void {
  const [N, H, W, C] = x.shape;
  const tap = C % 4 === 0 ? ctx.fns.im2colTap4 : ctx.fns.im2colTap;
  for (let i = 0; i < a.kh; i++) {
    for (let j = 0; j < a.kw; j++) {
      const [lo, hi] = validColumns(j, a, W); // lo === hi: the tap's rows are all zeros
      tap(ctx.offset(x), base + (i * a.kw + j) * C * M * 4, N, H, W, C, a.oh, a.ow,
        a.sh, a.sw, i - a.top, j - a.left, lo, hi, M);
    }
  }
}

/** The same in JS: rows written into `out` from element offset `start`. */
function fillJs(xv: Float32Array, shape: number[], a: Im2colAttrs, out: Float32Array, start: number, M: number): void {
  const { kh, kw, sh, sw, top, left, oh: OH, ow: OW } = a;
  const [N, H, W, C] = shape;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const rowBase = start + (i * kw + j) * C * M;
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
}

/** im2colT of each input, stacked: rows of input i follow those of inputs 0..i-1. */
function stacked(backend: object, xs: TensorInfo[], a: Im2colAttrs): TensorInfo {
  const [n0, h0, w0] = xs[0].shape;
  const odd = xs.find((x) => x.shape[0] !== n0 || x.shape[1] !== h0 || x.shape[2] !== w0);
  if (odd != null) throw new Error(`${IM2COL_T_STACK}: inputs must share batch and spatial size, got [${xs[0].shape}] and [${odd.shape}]`);
  const M = n0 * a.oh * a.ow;
  const rowsOf = (x: TensorInfo) => a.kh * a.kw * x.shape[3];
  const rows = xs.reduce((acc, x) => acc + rowsOf(x), 0);
  const simd = simdFor(backend);
  if (simd != null) {
    const out = simd.backend.makeOutput([rows, M], 'float32');
    let base = simd.offset(out);
    for (const x of xs) {
      fillSimd(simd, x, a, base, M);
      base += rowsOf(x) * M * 4;
    }
    return out;
  }
  const io = withRawArrays(backend, xs, [{ shape: [rows, M], dtype: 'float32' }]);
  let start = 0;
  xs.forEach((x, i) => {
    fillJs(io.ins[i] as Float32Array, x.shape, a, io.outs[0] as Float32Array, start, M);
    start += rowsOf(x) * M;
  });
  return io.outputs[0];
}

/** Input x; output im2colT(x). */
const im2colT: KernelFunc = ({ inputs, backend, attrs }) =>
  stacked(backend, [(inputs as Record<string, TensorInfo>).x], attrs as unknown as Im2colAttrs);

/**
 * Inputs '0' .. String(n - 1) (same batch and output size); output their im2colT blocks stacked
 * in that order. For 1x1 convs this is im2colT of their channel concatenation, so one matMul
 * gives the filter gradient of a conv over concatenated inputs (and packs dy once).
 */
const im2colTStack: KernelFunc = ({ inputs, backend, attrs }) => {
  const named = inputs as Record<string, TensorInfo>;
  const xs = Object.keys(named).map((_, i) => named[String(i)]);
  return stacked(backend, xs, attrs as unknown as Im2colAttrs);
};

/** Registers both kernels for 'wasm' and 'cpu'. */
export function registerIm2colT(): void {
  for (const backendName of ['wasm', 'cpu']) {
    registerKernel({ kernelName: IM2COL_T, backendName, kernelFunc: im2colT });
    registerKernel({ kernelName: IM2COL_T_STACK, backendName, kernelFunc: im2colTStack });
  }
}

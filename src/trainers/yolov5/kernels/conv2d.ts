/**
 * NHWC conv2d over a window of the input (`HpoConv2d`): out[n, oh, ow, co] = sum over kh, kw, ci
 * of xp[n, oh*s + kh, ow*s + kw, ci] * w[kh, kw, ci, co], where xp[n, i, j, c] = x[n, i - top,
 * j - left, c] and zero outside x. `top`/`left` may exceed the kernel's reach or be negative
 * (rows skipped), and the output size is given, so one kernel serves the forward convs (symmetric
 * padding) and the per-residue convs of input gradients (conv-grad.ts), whose padding is
 * asymmetric. On the WASM backend with Co a multiple of 8 the window is copied with its zero
 * border (unless it is x itself) and convolved by our SIMD loop (simd/programs-conv.ts), which
 * ran the model's 3x3 convs at ~1.5x the backend's XNNPACK conv2d; elsewhere plain JS loops.
 * `HpoConv2dFilterGrad` is its filter gradient, by the same window and a SIMD loop of its own
 * (no im2col matrix), also for 1x1 convs over concatenated inputs.
 */
import { engine, getBackend, getKernel, registerKernel, type KernelFunc, type Tensor4D, type TensorInfo } from '@tensorflow/tfjs-core';
import { scratch, simdFor, type SimdContext } from './simd/runtime.ts';
import { withRawArrays } from './tensor-memory.ts';

export const CONV2D = 'HpoConv2d';
export const CONV2D_FILTER_GRAD = 'HpoConv2dFilterGrad';

/** Attributes of {@link CONV2D}. */
export interface Conv2dAttrs {
  stride: number;
  top: number;
  left: number;
  outHeight: number;
  outWidth: number;
}

/** The padded window's size [Hp, Wp] a 'valid' conv needs for the requested output. */
function windowSize(a: Conv2dAttrs, kh: number, kw: number): [number, number] {
  return [(a.outHeight - 1) * a.stride + kh, (a.outWidth - 1) * a.stride + kw];
}

/**
 * x's window [N, Hp, Wp, C] with its zero border as a heap scratch tensor (the caller disposes
 * it), or null when the window is x itself. Allocates: take heap views only after calling this.
 */
function windowCopy(ctx: SimdContext, x: TensorInfo, top: number, left: number, Hp: number, Wp: number): TensorInfo | null {
  const [N, H, W, C] = x.shape;
  if (top === 0 && left === 0 && Hp === H && Wp === W) return null;
  const xp = ctx.backend.makeOutput([N, Hp, Wp, C], 'float32');
  const heap = new Float32Array(ctx.memory.buffer);
  const src = ctx.offset(x) / 4;
  const dst = ctx.offset(xp) / 4;
  heap.fill(0, dst, dst + N * Hp * Wp * C);
  const jLo = Math.min(Math.max(left, 0), Wp);
  const jHi = Math.max(jLo, Math.min(W + left, Wp));
  for (let n = 0; n < N; n++) {
    for (let i = Math.max(top, 0); i < Math.min(H + top, Hp); i++) {
      const from = src + ((n * H + i - top) * W + jLo - left) * C;
      heap.copyWithin(dst + ((n * Hp + i) * Wp + jLo) * C, from, from + (jHi - jLo) * C);
    }
  }
  return xp;
}

function convSimd(ctx: SimdContext, x: TensorInfo, w: TensorInfo, a: Conv2dAttrs): TensorInfo {
  const [N, , , C] = x.shape;
  const [KH, KW, , CO] = w.shape;
  const [Hp, Wp] = windowSize(a, KH, KW);
  const out = ctx.backend.makeOutput([N, a.outHeight, a.outWidth, CO], 'float32');
  const xp = windowCopy(ctx, x, a.top, a.left, Hp, Wp);
  const width = CO % 16 === 0 ? 16 : 8;
  const conv = width === 16 ? ctx.fns.conv16 : ctx.fns.conv;
  const K = KH * KW * C;
  const packed = scratch(ctx, K * CO);
  ctx.fns.packPanels(ctx.offset(w), packed.at, K, CO, width);
  conv(ctx.offset(xp ?? x), packed.at, ctx.offset(out), N, a.outHeight, a.outWidth, Hp, Wp, C, CO, KH, KW, a.stride,
    K * 4, width * 4, KW * C * width * 4);
  packed.free();
  if (xp != null) ctx.backend.disposeData(xp.dataId);
  return out;
}

const conv2d: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, w } = inputs as Record<string, TensorInfo>;
  const a = attrs as unknown as Conv2dAttrs;
  const [N, H, W, C] = x.shape;
  const [KH, KW, ci, CO] = w.shape;
  if (x.shape.length !== 4 || w.shape.length !== 4 || ci !== C) {
    throw new Error(`${CONV2D}: input [${x.shape}] and filter [${w.shape}] do not match`);
  }
  const simd = CO % 8 === 0 ? simdFor(backend) : null;
  if (simd != null) return convSimd(simd, x, w, a);
  const { stride: s, top, left, outHeight: OH, outWidth: OW } = a;
  const io = withRawArrays(backend, [x, w], [{ shape: [N, OH, OW, CO], dtype: 'float32' }]);
  const [xv, wv] = io.ins as Float32Array[];
  const out = io.outs[0] as Float32Array;
  out.fill(0);
  forEachTap({ N, OH, OW, H, W, KH, KW, s, top, left }, (outPixel, inPixel, k) => {
    const o = outPixel * CO;
    for (let c = 0; c < C; c++) {
      const xval = xv[inPixel * C + c];
      const wrow = (k * C + c) * CO;
      for (let co = 0; co < CO; co++) out[o + co] += xval * wv[wrow + co];
    }
  });
  return io.outputs[0];
};

/** Attributes of {@link CONV2D_FILTER_GRAD}: the forward conv's stride, window offsets and filter size. */
export interface Conv2dFilterGradAttrs {
  stride: number;
  top: number;
  left: number;
  kh: number;
  kw: number;
}

/** Output pixels per block of the SIMD filter gradient: enough to amortize each tile's loads and stores. */
const PIXELS_PER_BLOCK = 256;

/** Inputs dy and '0', '1', ... (one input, or several for a 1x1 conv over their concatenation). */
const conv2dFilterGradKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const named = inputs as Record<string, TensorInfo>;
  const dy = named.dy;
  const xs = Object.keys(named).filter((k) => k !== 'dy').map((_, i) => named[String(i)]);
  const { stride: s, top, left, kh: KH, kw: KW } = attrs as unknown as Conv2dFilterGradAttrs;
  const [N, OH, OW, CO] = dy.shape;
  if (xs.length > 1 && (KH !== 1 || KW !== 1)) throw new Error(`${CONV2D_FILTER_GRAD}: several inputs need a 1x1 filter`);
  const ci = xs.reduce((acc, x) => acc + x.shape[3], 0);
  const shape = [KH, KW, ci, CO];
  const Hp = (OH - 1) * s + KH;
  const Wp = (OW - 1) * s + KW;
  const simd = CO % 8 === 0 ? simdFor(backend) : null;
  if (simd != null) {
    const dw = simd.backend.makeOutput(shape, 'float32');
    const pixels = N * OH * OW;
    // dy in panels of 8 channels where its rows are 512 B+ apart (Co >= 128): such rows fell into
    // a few L1 sets (30 -> 37 GFLOP/s); for narrower dy the copy costs more than it saves.
    const dyp = CO >= 128 ? scratch(simd, pixels * CO) : null;
    if (dyp != null) simd.fns.packPanels(simd.offset(dy), dyp.at, pixels, CO, 8);
    new Float32Array(simd.memory.buffer, simd.offset(dw), KH * KW * ci * CO).fill(0);
    let row = 0;
    for (const x of xs) {
      const C = x.shape[3];
      const xp = windowCopy(simd, x, top, left, Hp, Wp);
      const [dyAt, dyPix, dyCol] = dyp != null ? [dyp.at, 32, pixels * 4] : [simd.offset(dy), CO * 4, 4];
      simd.fns.convFilterGrad(simd.offset(xp ?? x), dyAt, simd.offset(dw) + row * CO * 4, N, OH, OW, Hp, Wp, C, CO,
        KH, KW, s, Math.max(1, Math.ceil(PIXELS_PER_BLOCK / OW)), dyPix, dyCol);
      if (xp != null) simd.backend.disposeData(xp.dataId);
      row += C;
    }
    dyp?.free();
    return dw;
  }
  const io = withRawArrays(backend, [dy, ...xs], [{ shape, dtype: 'float32' }]);
  const dv = io.ins[0] as Float32Array;
  const out = io.outs[0] as Float32Array;
  out.fill(0);
  let c0 = 0;
  xs.forEach((x, idx) => {
    const xv = io.ins[idx + 1] as Float32Array;
    const [, H, W, C] = x.shape;
    forEachTap({ N, OH, OW, H, W, KH, KW, s, top, left }, (outPixel, inPixel, k) => {
      const d = outPixel * CO;
      for (let c = 0; c < C; c++) {
        const xval = xv[inPixel * C + c];
        const o = (k * ci + c0 + c) * CO;
        for (let co = 0; co < CO; co++) out[o + co] += xval * dv[d + co];
      }
    });
    c0 += C;
  });
  return io.outputs[0];
};

interface TapGeometry { N: number; OH: number; OW: number; H: number; W: number; KH: number; KW: number; s: number; top: number; left: number }

/**
 * The plain-JS conv's walk (the cpu backend): `tap` for every output pixel and filter tap whose input
 * pixel lies inside the image, with the output pixel's index (n, oh, ow), the input pixel's (n, ih, iw)
 * and the tap's (kh, kw); taps in the padding add nothing.
 */
function forEachTap(g: TapGeometry, tap: (outPixel: number, inPixel: number, k: number) => void): void {
  for (let n = 0; n < g.N; n++) {
    for (let oh = 0; oh < g.OH; oh++) {
      for (let ow = 0; ow < g.OW; ow++) {
        const outPixel = (n * g.OH + oh) * g.OW + ow;
        for (let kh = 0; kh < g.KH; kh++) {
          const ih = oh * g.s + kh - g.top;
          if (ih < 0 || ih >= g.H) continue;
          for (let kw = 0; kw < g.KW; kw++) {
            const iw = ow * g.s + kw - g.left;
            if (iw < 0 || iw >= g.W) continue;
            tap(outPixel, (n * g.H + ih) * g.W + iw, kh * g.KW + kw);
          }
        }
      }
    }
  }
}

/**
 * Whether our kernel (`CONV2D` or `CONV2D_FILTER_GRAD`) takes a conv with `co` output channels on
 * the current backend: registered there (wasm, cpu) and `co` a multiple of the 8 channels each
 * step computes. Elsewhere the callers fall back to TF.js's own conv.
 */
export function ownConvKernel(kernel: typeof CONV2D | typeof CONV2D_FILTER_GRAD, co: number): boolean {
  return co % 8 === 0 && getKernel(kernel, getBackend()) != null;
}

/** conv2d of x's window (see the file comment) with w, giving [N, outHeight, outWidth, Co]. */
export function conv2dWindow(x: Tensor4D, w: Tensor4D, attrs: Conv2dAttrs): Tensor4D {
  return engine().runKernel(CONV2D, { x, w }, attrs as never) as Tensor4D;
}

/**
 * d(conv2dWindow(x, w))/dw for dy, shaped [kh, kw, Ci, Co]; with several xs (1x1 only), the filter
 * gradient of a 1x1 conv over their channel concatenation.
 */
export function conv2dFilterGrad(xs: Tensor4D[], dy: Tensor4D, attrs: Conv2dFilterGradAttrs): Tensor4D {
  const inputs = Object.fromEntries([...xs.map((x, i) => [String(i), x] as const), ['dy', dy] as const]);
  return engine().runKernel(CONV2D_FILTER_GRAD, inputs, attrs as never) as Tensor4D;
}

/** Registers both kernels for 'wasm' and 'cpu'. */
export function registerConv2d(): void {
  for (const backendName of ['wasm', 'cpu']) {
    registerKernel({ kernelName: CONV2D, backendName, kernelFunc: conv2d });
    registerKernel({ kernelName: CONV2D_FILTER_GRAD, backendName, kernelFunc: conv2dFilterGradKernel });
  }
}

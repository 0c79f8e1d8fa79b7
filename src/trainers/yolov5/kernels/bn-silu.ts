/**
 * Fused training-mode batch norm + SiLU, as two kernels over channels-last data [M, C].
 *
 * Forward (`HpoBnNormalize`): per-channel batch mean and biased variance of the conv output y
 * (sums shifted by the first row, against cancellation), z = gamma * (y - mean) / sqrt(var + eps)
 * + beta, and the updated running statistics. The caller applies SiLU with the backend's
 * vectorized sigmoid (s = sigmoid(z), out = z * s; faster than our own SIMD exp was) and saves only
 * y and s: the backward pass recomputes yhat and z from y, which costs a multiply-add per element
 * instead of two more saved activations.
 *
 * Backward (`HpoBnSiluGrad`), from out = z * s(z), z = gamma * yhat + beta:
 *   dz     = dout * s * (1 + z * (1 - s))
 *   dbeta  = sum dz,  dgamma = sum dz * yhat
 *   dy     = gamma / sqrt(var + eps) * (dz - dbeta / M - yhat * dgamma / M)
 * (the standard batch-norm backward, e.g. Ioffe & Szegedy 2015, section 3).
 *
 * Speed: on the WASM backend both kernels run SIMD loops on its heap (simd/programs.ts) when C is
 * a multiple of 4; elsewhere plain JS loops. Both accumulate per-channel sums in registers over
 * blocks of rows that stay in L1, then in float64; accumulating straight into per-channel arrays
 * made every element a dependent store and load (3-4x slower).
 */
import { registerKernel, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { scratch, simdFor, type SimdContext } from './simd/runtime.ts';
import { withRawArrays } from './tensor-memory.ts';

export const BN_NORMALIZE = 'HpoBnNormalize';
export const BN_SILU_GRAD = 'HpoBnSiluGrad';

interface EpsAttrs { eps: number }
interface NormalizeAttrs { eps: number; momentum: number }

/**
 * PyTorch's running-statistics update (momentum = weight of the batch, unbiased batch variance),
 * done here so a training step costs no extra tensor ops per BatchNorm.
 */
function updateRunning(
  run: { mean: ArrayLike<number>; variance: ArrayLike<number> }, mean: number, variance: number, c: number,
  M: number, momentum: number, out: { mean: Float32Array; variance: Float32Array },
): void {
  const unbiased = variance * (M / Math.max(M - 1, 1));
  out.mean[c] = run.mean[c] * (1 - momentum) + mean * momentum;
  out.variance[c] = run.variance[c] * (1 - momentum) + unbiased * momentum;
}

/** Rows per block of the reductions: 64 rows of up to 256 channels stay within L1. */
const BLOCK_ROWS = 64;

function channels(t: TensorInfo): number {
  return t.shape[t.shape.length - 1];
}

/**
 * Inputs y, gamma, beta, runMean, runVar; outputs z (shape of y), mean, variance ([C], biased),
 * and the new running mean and variance.
 */
const bnNormalize: KernelFunc = ({ inputs, backend, attrs }) => {
  const { y, gamma, beta, runMean, runVar } = inputs as Record<string, TensorInfo>;
  const { eps, momentum } = attrs as unknown as NormalizeAttrs;
  const C = channels(y);
  const simd = C % 4 === 0 ? simdFor(backend) : null;
  if (simd != null) return bnNormalizeSimd(simd, { y, gamma, beta, runMean, runVar }, eps, momentum);
  const io = withRawArrays(backend, [y, gamma, beta, runMean, runVar], [
    { shape: y.shape, dtype: 'float32' },
    { shape: [C], dtype: 'float32' },
    { shape: [C], dtype: 'float32' },
    { shape: [C], dtype: 'float32' },
    { shape: [C], dtype: 'float32' },
  ]);
  const [yv, g, b, rm, rv] = io.ins as Float32Array[];
  const [z, meanOut, varOut, newMean, newVar] = io.outs as Float32Array[];
  const n = yv.length;
  const M = n / C;
  const s1 = new Float64Array(C);
  const s2 = new Float64Array(C);
  for (let r0 = 0; r0 < M; r0 += BLOCK_ROWS) {
    const end = Math.min(r0 + BLOCK_ROWS, M) * C;
    for (let c = 0; c < C; c++) {
      const shift = yv[c];
      let a = 0;
      let q = 0;
      for (let i = r0 * C + c; i < end; i += C) {
        const d = yv[i] - shift;
        a += d;
        q += d * d;
      }
      s1[c] += a;
      s2[c] += q;
    }
  }
  const scale = new Float32Array(C);
  const offset = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    const m = s1[c] / M;
    const v = Math.max(s2[c] / M - m * m, 0);
    const mean = yv[c] + m;
    const inv = 1 / Math.sqrt(v + eps);
    meanOut[c] = mean;
    varOut[c] = v;
    updateRunning({ mean: rm, variance: rv }, mean, v, c, M, momentum, { mean: newMean, variance: newVar });
    scale[c] = g[c] * inv;
    offset[c] = b[c] - mean * g[c] * inv;
  }
  for (let i = 0; i < n; i += C) {
    for (let c = 0; c < C; c++) z[i + c] = scale[c] * yv[i + c] + offset[c];
  }
  return io.outputs;
};

/** Inputs dout, y, s (= sigmoid(z)), gamma, beta, mean, variance; outputs dy, dgamma, dbeta. */
const bnSiluGrad: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dout, y, s, gamma, beta, mean, variance } = inputs as Record<string, TensorInfo>;
  const { eps } = attrs as unknown as EpsAttrs;
  const C = channels(y);
  const simd = C % 4 === 0 ? simdFor(backend) : null;
  if (simd != null) return bnSiluGradSimd(simd, { dout, y, s, gamma, beta, mean, variance }, eps);
  const io = withRawArrays(backend, [dout, y, s, gamma, beta, mean, variance], [
    { shape: y.shape, dtype: 'float32' },
    { shape: [C], dtype: 'float32' },
    { shape: [C], dtype: 'float32' },
  ]);
  const [dv, yv, sv, g, b, mv, vv] = io.ins as Float32Array[];
  const [dy, dgOut, dbOut] = io.outs as Float32Array[];
  const n = yv.length;
  const M = n / C;
  const inv = new Float64Array(C);
  for (let c = 0; c < C; c++) inv[c] = 1 / Math.sqrt(vv[c] + eps);
  const dg = new Float64Array(C);
  const db = new Float64Array(C);
  for (let r0 = 0; r0 < M; r0 += BLOCK_ROWS) {
    const end = Math.min(r0 + BLOCK_ROWS, M) * C;
    for (let c = 0; c < C; c++) {
      const mc = mv[c];
      const ic = inv[c];
      const gc = g[c];
      const bc = b[c];
      let sumDz = 0;
      let sumDzH = 0;
      for (let i = r0 * C + c; i < end; i += C) {
        const h = (yv[i] - mc) * ic;
        const z = gc * h + bc;
        const sig = sv[i];
        const dz = dv[i] * sig * (1 + z * (1 - sig));
        dy[i] = dz;
        sumDz += dz;
        sumDzH += dz * h;
      }
      db[c] += sumDz;
      dg[c] += sumDzH;
    }
  }
  // dy = A * dz + B * yhat + K with yhat = (y - mean) * inv, folded into A * dz + By * y + K'.
  const A = new Float32Array(C);
  const By = new Float32Array(C);
  const K = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    const a = g[c] * inv[c];
    const bh = (-a * dg[c]) / M;
    A[c] = a;
    By[c] = bh * inv[c];
    K[c] = (-a * db[c]) / M - bh * inv[c] * mv[c];
    dgOut[c] = dg[c];
    dbOut[c] = db[c];
  }
  for (let i = 0; i < n; i += C) {
    for (let c = 0; c < C; c++) dy[i + c] = A[c] * dy[i + c] + By[c] * yv[i + c] + K[c];
  }
  return io.outputs;
};

function bnNormalizeSimd(ctx: SimdContext, t: Record<string, TensorInfo>, eps: number, momentum: number): TensorInfo[] {
  const { y, gamma, beta } = t;
  const C = channels(y);
  const M = y.shape.reduce((a, b) => a * b, 1) / C;
  const { backend, fns, offset } = ctx;
  const z = backend.makeOutput(y.shape, 'float32');
  const meanOut = backend.makeOutput([C], 'float32');
  const varOut = backend.makeOutput([C], 'float32');
  const runOut = [backend.makeOutput([C], 'float32'), backend.makeOutput([C], 'float32')];
  const tmp = scratch(ctx, 6 * C); // float64 sum[C], sq[C]; float32 scale[C], offset[C]
  // Views only after every allocation: an allocation may grow (and detach) the heap.
  const buf = ctx.memory.buffer;
  const sums = new Float64Array(buf, tmp.at, 2 * C);
  const coef = new Float32Array(buf, tmp.at + 16 * C, 2 * C);
  const first = new Float32Array(buf, offset(y), C);
  const g = new Float32Array(buf, offset(gamma), C);
  const b = new Float32Array(buf, offset(beta), C);
  const mOut = new Float32Array(buf, offset(meanOut), C);
  const vOut = new Float32Array(buf, offset(varOut), C);
  const run = { mean: new Float32Array(buf, offset(t.runMean), C), variance: new Float32Array(buf, offset(t.runVar), C) };
  const newRun = { mean: new Float32Array(buf, offset(runOut[0]), C), variance: new Float32Array(buf, offset(runOut[1]), C) };
  sums.fill(0);
  fns.bnStats(offset(y), M, C, tmp.at, tmp.at + 8 * C);
  for (let c = 0; c < C; c++) {
    const m = sums[c] / M;
    const v = Math.max(sums[C + c] / M - m * m, 0);
    const mean = first[c] + m;
    const inv = 1 / Math.sqrt(v + eps);
    mOut[c] = mean;
    vOut[c] = v;
    updateRunning(run, mean, v, c, M, momentum, newRun);
    coef[c] = g[c] * inv;
    coef[C + c] = b[c] - mean * g[c] * inv;
  }
  fns.affine(offset(y), offset(z), M, C, tmp.at + 16 * C, tmp.at + 20 * C);
  tmp.free();
  return [z, meanOut, varOut, ...runOut];
}

function bnSiluGradSimd(ctx: SimdContext, t: Record<string, TensorInfo>, eps: number): TensorInfo[] {
  const C = channels(t.y);
  const M = t.y.shape.reduce((a, b) => a * b, 1) / C;
  const { backend, fns, offset } = ctx;
  const dy = backend.makeOutput(t.y.shape, 'float32');
  const dgOut = backend.makeOutput([C], 'float32');
  const dbOut = backend.makeOutput([C], 'float32');
  const tmp = scratch(ctx, 8 * C); // float64 sumDz[C], sumDzH[C]; float32 inv[C], A[C], By[C], K[C]
  const buf = ctx.memory.buffer;
  const sums = new Float64Array(buf, tmp.at, 2 * C);
  const f32 = new Float32Array(buf, tmp.at + 16 * C, 4 * C);
  const g = new Float32Array(buf, offset(t.gamma), C);
  const mv = new Float32Array(buf, offset(t.mean), C);
  const vv = new Float32Array(buf, offset(t.variance), C);
  const dg = new Float32Array(buf, offset(dgOut), C);
  const db = new Float32Array(buf, offset(dbOut), C);
  sums.fill(0);
  for (let c = 0; c < C; c++) f32[c] = 1 / Math.sqrt(vv[c] + eps);
  const at = (k: number) => tmp.at + 16 * C + 4 * C * k;
  fns.bnGradPass1(offset(t.dout), offset(t.y), offset(t.s), offset(dy), M, C,
    offset(t.mean), at(0), offset(t.gamma), offset(t.beta), tmp.at, tmp.at + 8 * C);
  for (let c = 0; c < C; c++) {
    const inv = f32[c];
    const a = g[c] * inv;
    const bh = (-a * sums[C + c]) / M;
    f32[C + c] = a;
    f32[2 * C + c] = bh * inv;
    f32[3 * C + c] = (-a * sums[c]) / M - bh * inv * mv[c];
    dg[c] = sums[C + c];
    db[c] = sums[c];
  }
  fns.affine3(offset(dy), offset(t.y), offset(dy), M, C, at(1), at(2), at(3));
  tmp.free();
  return [dy, dgOut, dbOut];
}

/** Registers both kernels for one backend ('wasm' or 'cpu'). Idempotent per backend. */
export function registerBnSiluKernels(backendName: 'wasm' | 'cpu'): void {
  const configs: KernelConfig[] = [
    { kernelName: BN_NORMALIZE, backendName, kernelFunc: bnNormalize },
    { kernelName: BN_SILU_GRAD, backendName, kernelFunc: bnSiluGrad },
  ];
  for (const c of configs) registerKernel(c);
}

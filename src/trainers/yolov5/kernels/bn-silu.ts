/**
 * Fused training-mode batch norm + SiLU, as two JS kernels over channels-last data.
 *
 * Forward (`HpoBnNormalize`): per-channel batch mean and biased variance of y [M, C] in one
 * pass (float64 sums, shifted by the first row to avoid cancellation), then yhat = (y - mean) /
 * sqrt(var + eps) and z = gamma * yhat + beta in a second pass. The caller applies SiLU with the
 * backend's vectorized sigmoid: s = sigmoid(z), out = z * s.
 *
 * Backward (`HpoBnSiluGrad`), from out = z * s(z), z = gamma * yhat + beta:
 *   dz     = dout * s * (1 + z * (1 - s))
 *   dbeta  = sum dz,  dgamma = sum dz * yhat
 *   dy     = gamma / sqrt(var + eps) * (dz - dbeta / M - yhat * dgamma / M)
 * (the standard batch-norm backward, e.g. Ioffe & Szegedy 2015, section 3). Two passes instead of
 * the dozen elementwise kernels autodiff would run through `moments`.
 */
import { registerKernel, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { withRawArrays } from './tensor-memory.ts';

export const BN_NORMALIZE = 'HpoBnNormalize';
export const BN_SILU_GRAD = 'HpoBnSiluGrad';

interface EpsAttrs { eps: number }

function channels(t: TensorInfo): number {
  return t.shape[t.shape.length - 1];
}

/** Inputs y, gamma, beta; outputs yhat, z (shape of y), mean, variance ([C], biased). */
const bnNormalize: KernelFunc = ({ inputs, backend, attrs }) => {
  const { y, gamma, beta } = inputs as Record<string, TensorInfo>;
  const { eps } = attrs as unknown as EpsAttrs;
  const C = channels(y);
  const io = withRawArrays(backend, [y, gamma, beta], [
    { shape: y.shape, dtype: 'float32' },
    { shape: y.shape, dtype: 'float32' },
    { shape: [C], dtype: 'float32' },
    { shape: [C], dtype: 'float32' },
  ]);
  const [yv, g, b] = io.ins as Float32Array[];
  const [yhat, z, meanOut, varOut] = io.outs as Float32Array[];
  const n = yv.length;
  const M = n / C;
  const shift = new Float64Array(C);
  const s1 = new Float64Array(C);
  const s2 = new Float64Array(C);
  for (let c = 0; c < C; c++) shift[c] = yv[c];
  for (let i = 0; i < n; i += C) {
    for (let c = 0; c < C; c++) {
      const d = yv[i + c] - shift[c];
      s1[c] += d;
      s2[c] += d * d;
    }
  }
  const mean = new Float64Array(C);
  const inv = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    const m = s1[c] / M;
    const v = Math.max(s2[c] / M - m * m, 0);
    mean[c] = shift[c] + m;
    inv[c] = 1 / Math.sqrt(v + eps);
    meanOut[c] = mean[c];
    varOut[c] = v;
  }
  for (let i = 0; i < n; i += C) {
    for (let c = 0; c < C; c++) {
      const h = (yv[i + c] - mean[c]) * inv[c];
      yhat[i + c] = h;
      z[i + c] = g[c] * h + b[c];
    }
  }
  return io.outputs;
};

/** Inputs dout, yhat, s (= sigmoid(z)), gamma, beta, variance; outputs dy, dgamma, dbeta. */
const bnSiluGrad: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dout, yhat, s, gamma, beta, variance } = inputs as Record<string, TensorInfo>;
  const { eps } = attrs as unknown as EpsAttrs;
  const C = channels(yhat);
  const io = withRawArrays(backend, [dout, yhat, s, gamma, beta, variance], [
    { shape: yhat.shape, dtype: 'float32' },
    { shape: [C], dtype: 'float32' },
    { shape: [C], dtype: 'float32' },
  ]);
  const [dv, hv, sv, g, b, vv] = io.ins as Float32Array[];
  const [dy, dgOut, dbOut] = io.outs as Float32Array[];
  const n = hv.length;
  const M = n / C;
  const dg = new Float64Array(C);
  const db = new Float64Array(C);
  for (let i = 0; i < n; i += C) {
    for (let c = 0; c < C; c++) {
      const h = hv[i + c];
      const sig = sv[i + c];
      const z = g[c] * h + b[c];
      const dz = dv[i + c] * sig * (1 + z * (1 - sig));
      dy[i + c] = dz;
      db[c] += dz;
      dg[c] += dz * h;
    }
  }
  const A = new Float64Array(C);
  const B = new Float64Array(C);
  const K = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    A[c] = g[c] / Math.sqrt(vv[c] + eps);
    B[c] = (-A[c] * dg[c]) / M;
    K[c] = (-A[c] * db[c]) / M;
    dgOut[c] = dg[c];
    dbOut[c] = db[c];
  }
  for (let i = 0; i < n; i += C) {
    for (let c = 0; c < C; c++) dy[i + c] = A[c] * dy[i + c] + B[c] * hv[i + c] + K[c];
  }
  return io.outputs;
};

/** Registers both kernels for one backend ('wasm' or 'cpu'). Idempotent per backend. */
export function registerBnSiluKernels(backendName: 'wasm' | 'cpu'): void {
  const configs: KernelConfig[] = [
    { kernelName: BN_NORMALIZE, backendName, kernelFunc: bnNormalize },
    { kernelName: BN_SILU_GRAD, backendName, kernelFunc: bnSiluGrad },
  ];
  for (const c of configs) registerKernel(c);
}

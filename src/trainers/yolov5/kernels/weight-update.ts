/**
 * Fused weight updates, as kernels on 'wasm' and 'cpu': the SGD-Nesterov step of one variable
 * (`HpoSgdNesterov`: new weights and momentum buffer in one pass over p, g and buf), the EMA blend
 * (`HpoEmaBlend`) and the sum of squares over many gradients (`HpoSumSquares`, for the norm
 * clip). As op sequences these cost 4-7 TF.js ops per variable, each a pass over memory and an
 * allocation: about 2,400 small ops per step for yolov5n. Each float goes through the same float32
 * operations in the same order as those sequences (train/optimizer.ts, train/ema.ts), so the
 * results are the same to the bit; only the clip's sum of squares is summed in float64.
 *
 * The kernels write new tensors, never into their inputs: the wasm backend caches XNNPACK
 * operators (with packed weights) by tensor id, so weights must change by `Variable.assign`.
 * On 'wasm' the loops run as SIMD WebAssembly (simd/programs-update.ts); elsewhere plain JS.
 */
import {
  getKernel, getBackend, engine, registerKernel, type KernelFunc, type Scalar, type Tensor, type TensorInfo,
} from '@tensorflow/tfjs-core';
import { simdFor } from './simd/runtime.ts';
import { withRawArrays } from './tensor-memory.ts';

export const SGD_NESTEROV = 'HpoSgdNesterov';
export const EMA_BLEND = 'HpoEmaBlend';
export const SUM_SQUARES = 'HpoSumSquares';

/** The coefficients of one SGD-Nesterov update (torch.optim.SGD, nesterov=True). */
export interface SgdCoefficients {
  lr: number;
  momentum: number;
  /** L2 weight decay (0 for biases and BatchNorm weights). */
  decay: number;
  /** The gradient-norm clip factor (1 when not clipping). */
  clip: number;
}

const f = Math.fround;

const sgdNesterov: KernelFunc = ({ inputs, backend, attrs }) => {
  const { p, g, buf } = inputs as Record<string, TensorInfo>;
  const { lr, momentum: mu, decay, clip } = attrs as unknown as SgdCoefficients;
  const simd = simdFor(backend);
  if (simd != null) {
    const out = [simd.backend.makeOutput(p.shape, 'float32'), simd.backend.makeOutput(p.shape, 'float32')];
    const n = p.shape.reduce((a, b) => a * b, 1);
    simd.fns.sgdNesterov(simd.offset(p), simd.offset(g), simd.offset(buf), simd.offset(out[0]), simd.offset(out[1]), n, lr, mu, decay, clip);
    return out;
  }
  const io = withRawArrays(backend, [p, g, buf], [{ shape: p.shape, dtype: 'float32' }, { shape: p.shape, dtype: 'float32' }]);
  const [pv, gv, bv] = io.ins as Float32Array[];
  const [pOut, bOut] = io.outs as Float32Array[];
  const [l, m, d, c] = [f(lr), f(mu), f(decay), f(clip)];
  for (let i = 0; i < pv.length; i++) {
    const gd = f(f(gv[i] * c) + f(pv[i] * d));
    const b = f(f(bv[i] * m) + gd);
    bOut[i] = b;
    pOut[i] = pv[i] - f(f(gd + f(b * m)) * l);
  }
  return io.outputs;
};

const emaBlend: KernelFunc = ({ inputs, backend, attrs }) => {
  const { t, s } = inputs as Record<string, TensorInfo>;
  const { decay } = attrs as unknown as { decay: number };
  const simd = simdFor(backend);
  if (simd != null) {
    const out = simd.backend.makeOutput(t.shape, 'float32');
    simd.fns.emaBlend(simd.offset(t), simd.offset(s), simd.offset(out), t.shape.reduce((a, b) => a * b, 1), decay, 1 - decay);
    return out;
  }
  const io = withRawArrays(backend, [t, s], [{ shape: t.shape, dtype: 'float32' }]);
  const [tv, sv] = io.ins as Float32Array[];
  const [out] = io.outs as Float32Array[];
  const [d, e] = [f(decay), f(1 - decay)];
  for (let i = 0; i < tv.length; i++) out[i] = f(tv[i] * d) + f(sv[i] * e);
  return io.outputs[0];
};

const sumSquares: KernelFunc = ({ inputs, backend }) => {
  const tensors = Object.values(inputs as Record<string, TensorInfo>);
  const simd = simdFor(backend);
  if (simd != null) {
    let total = 0;
    for (const t of tensors) total += simd.fns.sumSquares(simd.offset(t), t.shape.reduce((a, b) => a * b, 1));
    const out = simd.backend.makeOutput([], 'float32');
    new Float32Array(simd.memory.buffer, simd.offset(out), 1)[0] = total;
    return out;
  }
  const io = withRawArrays(backend, tensors, [{ shape: [], dtype: 'float32' }]);
  let total = 0;
  for (const v of io.ins as Float32Array[]) {
    for (let i = 0; i < v.length; i++) total += f(v[i] * v[i]);
  }
  io.outs[0][0] = total;
  return io.outputs[0];
};

/** Registers the three kernels on 'wasm' and 'cpu'. Idempotent. */
export function registerWeightUpdateKernels(): void {
  for (const backendName of ['wasm', 'cpu']) {
    if (getKernel(SGD_NESTEROV, backendName) != null) continue;
    registerKernel({ kernelName: SGD_NESTEROV, backendName, kernelFunc: sgdNesterov });
    registerKernel({ kernelName: EMA_BLEND, backendName, kernelFunc: emaBlend });
    registerKernel({ kernelName: SUM_SQUARES, backendName, kernelFunc: sumSquares });
  }
}

/** True when the active backend has the fused updates (else callers use their op sequences). */
export function hasWeightUpdateKernels(): boolean {
  return getKernel(SGD_NESTEROV, getBackend()) != null;
}

/** One SGD-Nesterov update of `p` with gradient `g` and momentum buffer `buf`: [new p, new buf]. */
export function sgdNesterovUpdate(p: Tensor, g: Tensor, buf: Tensor, c: SgdCoefficients): [Tensor, Tensor] {
  return engine().runKernel(SGD_NESTEROV, { p, g, buf }, { ...c }) as unknown as [Tensor, Tensor];
}

/** The EMA blend t * decay + s * (1 - decay), as a new tensor. */
export function emaBlendUpdate(t: Tensor, s: Tensor, decay: number): Tensor {
  return engine().runKernel(EMA_BLEND, { t, s }, { decay }) as Tensor;
}

/** The sum of the squares of every element of `tensors`, as a float32 scalar. */
export function sumOfSquares(tensors: readonly Tensor[]): Scalar {
  return engine().runKernel(SUM_SQUARES, Object.fromEntries(tensors.map((t, i) => [`g${i}`, t]))) as Scalar;
}

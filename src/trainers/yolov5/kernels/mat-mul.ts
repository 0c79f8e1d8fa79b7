/**
 * Sum of matrix products, out = sum_i a_i b_i for row-major a_i [M, K_i] and b_i [K_i, N], as one
 * kernel (`HpoMatMul`, inputs '0' = a_0, '1' = b_0, '2' = a_1, ...). The model's 1x1 convs, their
 * gradients and the conv filter gradients are such products; a 1x1 conv over concatenated inputs
 * is the sum over its inputs, accumulated in place instead of one matMul and one add per input.
 * On the WASM backend with N a multiple of 8 it runs our SIMD loop (simd/programs-gemm.ts), which
 * ran 1.3-9x faster than the backend's matMul on the model's shapes; other widths use the backend's
 * matMul (one pair) or plain JS loops, as does the cpu backend.
 */
import { engine, registerKernel, type KernelFunc, type Tensor2D, type TensorInfo } from '@tensorflow/tfjs-core';
import { callKernel } from './backend-call.ts';
import { simdFor, type SimdContext } from './simd/runtime.ts';
import { withRawArrays } from './tensor-memory.ts';

export const MAT_MUL = 'HpoMatMul';

/** Rows of A per block of the SIMD loop: 64 rows of up to ~1k floats stay in L2 across B's column tiles. */
const M_BLOCK = 64;

function pairsOf(inputs: Record<string, TensorInfo>): [TensorInfo, TensorInfo][] {
  const n = Object.keys(inputs).length;
  if (n === 0 || n % 2 !== 0) throw new Error(`${MAT_MUL}: expects pairs of inputs (a0, b0, a1, b1, ...), got ${n}`);
  const pairs = Array.from({ length: n / 2 }, (_, i) => [inputs[String(2 * i)], inputs[String(2 * i + 1)]] as [TensorInfo, TensorInfo]);
  const [m, n0] = [pairs[0][0].shape[0], pairs[0][1].shape[1]];
  for (const [a, b] of pairs) {
    if (a.shape.length !== 2 || b.shape.length !== 2 || a.shape[0] !== m || b.shape[1] !== n0 || a.shape[1] !== b.shape[0]) {
      throw new Error(`${MAT_MUL}: cannot multiply [${a.shape}] by [${b.shape}] into [${m}, ${n0}]`);
    }
  }
  return pairs;
}

function matMulSimd(ctx: SimdContext, pairs: [TensorInfo, TensorInfo][], M: number, N: number): TensorInfo {
  const out = ctx.backend.makeOutput([M, N], 'float32');
  const c = ctx.offset(out);
  let started = false;
  const gemm = N % 16 === 0 ? ctx.fns.gemm16 : ctx.fns.gemm;
  for (const [a, b] of pairs) {
    const K = a.shape[1];
    if (K === 0) continue;
    // B row-major (packing it as the conv does its weights paid nothing at these sizes).
    gemm(ctx.offset(a), ctx.offset(b), c, M, N, K, K * 4, N * 4, N * 4, started ? 1 : 0, M_BLOCK, 4);
    started = true;
  }
  if (!started) new Float32Array(ctx.memory.buffer, c, M * N).fill(0);
  return out;
}

const matMul: KernelFunc = ({ inputs, backend }) => {
  const pairs = pairsOf(inputs as Record<string, TensorInfo>);
  const [M, N] = [pairs[0][0].shape[0], pairs[0][1].shape[1]];
  const simd = simdFor(backend);
  if (simd != null && N % 8 === 0) return matMulSimd(simd, pairs, M, N);
  if (simd != null && pairs.length === 1) {
    // Odd widths (the Detect head's 3 x (5 + nc) outputs): the backend's own matMul.
    const [a, b] = pairs[0];
    const out = callKernel('wasm', backend, 'BatchMatMul', { a: { ...a, shape: [1, M, a.shape[1]] }, b: { ...b, shape: [1, b.shape[0], N] } },
      { transposeA: false, transposeB: false });
    return { ...out, shape: [M, N] };
  }
  const io = withRawArrays(backend, pairs.flat(), [{ shape: [M, N], dtype: 'float32' }]);
  const out = io.outs[0] as Float32Array;
  out.fill(0);
  pairs.forEach(([a], p) => {
    const av = io.ins[2 * p] as Float32Array;
    const bv = io.ins[2 * p + 1] as Float32Array;
    const K = a.shape[1];
    for (let i = 0; i < M; i++) {
      for (let k = 0; k < K; k++) {
        const x = av[i * K + k];
        const row = k * N;
        const o = i * N;
        for (let j = 0; j < N; j++) out[o + j] += x * bv[row + j];
      }
    }
  });
  return io.outputs[0];
};

/** sum_i a_i b_i through {@link MAT_MUL}. */
export function matMulSum(pairs: [Tensor2D, Tensor2D][]): Tensor2D {
  const inputs = Object.fromEntries(pairs.flatMap(([a, b], i) => [[String(2 * i), a], [String(2 * i + 1), b]]));
  return engine().runKernel(MAT_MUL, inputs) as Tensor2D;
}

/** Registers the kernel for 'wasm' and 'cpu'. */
export function registerMatMul(): void {
  for (const backendName of ['wasm', 'cpu']) registerKernel({ kernelName: MAT_MUL, backendName, kernelFunc: matMul });
}

/**
 * Splits a row-major [R, C] tensor into consecutive row blocks [sizes[i], C] in one kernel call,
 * or with `transpose` into the blocks' transposes [C, sizes[i]]. The per-input weights of a 1x1
 * conv over concatenated inputs are such blocks, and their transposes give the input gradients
 * (dy x W_i^T, where wasm's matMul with a transpose flag is a naive loop); wasm's Slice and
 * Transpose took ~0.1 ms per small weight plus an engine op each. On the WASM backend the
 * transposes run as SIMD WebAssembly (a 1x1 transposed im2col of the block, simd/programs-copy.ts).
 */
import { registerKernel, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { simdFor } from './simd/runtime.ts';
import { withRawArrays } from './tensor-memory.ts';

export const SPLIT_ROWS = 'HpoSplitRows';

interface Attrs { sizes: number[]; transpose?: boolean }

const splitRows: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x } = inputs as Record<string, TensorInfo>;
  const { sizes, transpose = false } = attrs as unknown as Attrs;
  const [rows, cols] = x.shape;
  if (x.shape.length !== 2 || sizes.reduce((a, b) => a + b, 0) !== rows) {
    throw new Error(`${SPLIT_ROWS}: cannot split [${x.shape}] into row blocks ${JSON.stringify(sizes)}`);
  }
  const shapes = sizes.map((r) => (transpose ? [cols, r] : [r, cols]));
  const simd = transpose ? simdFor(backend) : null;
  if (simd != null) {
    const outs = shapes.map((shape) => simd.backend.makeOutput(shape, 'float32'));
    const tap = cols % 4 === 0 ? simd.fns.im2colTap4 : simd.fns.im2colTap;
    let start = 0;
    sizes.forEach((r, i) => {
      // Block [r, cols] seen as x [1, 1, r, cols]: its 1x1 transposed im2col is [cols, r].
      tap(simd.offset(x) + start * cols * 4, simd.offset(outs[i]), 1, 1, r, cols, 1, r, 1, 1, 0, 0, 0, r, r);
      start += r;
    });
    return outs;
  }
  const io = withRawArrays(backend, [x], shapes.map((shape) => ({ shape, dtype: 'float32' as const })));
  const xv = io.ins[0] as Float32Array;
  let start = 0;
  sizes.forEach((r, i) => {
    const out = io.outs[i] as Float32Array;
    if (!transpose) out.set(xv.subarray(start * cols, (start + r) * cols));
    else for (let a = 0; a < r; a++) for (let b = 0; b < cols; b++) out[b * r + a] = xv[(start + a) * cols + b];
    start += r;
  });
  return io.outputs;
};

/** Registers the kernel for 'wasm' and 'cpu'. */
export function registerSplitRows(): void {
  for (const backendName of ['wasm', 'cpu']) registerKernel({ kernelName: SPLIT_ROWS, backendName, kernelFunc: splitRows });
}

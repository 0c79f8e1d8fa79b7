/**
 * Gradient of a stride-1 'same' k x k max pool (SPPF's), as a JS kernel: each output's gradient
 * goes to the first maximum of its window in row-major scan order, as PyTorch and the TF.js cpu
 * backend do. Written because tfjs-backend-wasm 4.22's MaxPoolGrad drops gradient for some
 * windows when the batch is larger than one.
 */
import { registerKernel, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { withRawArrays } from './tensor-memory.ts';

export const MAX_POOL_SAME_GRAD = 'HpoMaxPoolSameGrad';

const maxPoolSameGrad: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as Record<string, TensorInfo>;
  const k = (attrs as { filterSize: number }).filterSize;
  const [n, h, w, c] = x.shape;
  const io = withRawArrays(backend, [x, dy], [{ shape: x.shape, dtype: 'float32' }]);
  const [xv, dv] = io.ins as Float32Array[];
  const dx = io.outs[0] as Float32Array;
  dx.fill(0);
  const r = (k - 1) >> 1;
  for (let b = 0; b < n; b++) {
    const base = b * h * w * c;
    for (let i = 0; i < h; i++) {
      const i0 = Math.max(i - r, 0);
      const i1 = Math.min(i + r, h - 1);
      for (let j = 0; j < w; j++) {
        const j0 = Math.max(j - r, 0);
        const j1 = Math.min(j + r, w - 1);
        const out = base + (i * w + j) * c;
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let arg = -1;
          for (let ii = i0; ii <= i1; ii++) {
            for (let jj = j0; jj <= j1; jj++) {
              const idx = base + (ii * w + jj) * c + ch;
              if (xv[idx] > best) { best = xv[idx]; arg = idx; }
            }
          }
          if (arg >= 0) dx[arg] += dv[out + ch];
        }
      }
    }
  }
  return io.outputs[0];
};

/** Registers the kernel for 'wasm' and 'cpu'. */
export function registerMaxPoolSameGrad(): void {
  for (const backendName of ['wasm', 'cpu']) registerKernel({ kernelName: MAX_POOL_SAME_GRAD, backendName, kernelFunc: maxPoolSameGrad });
}

/**
 * The training kernels we add to TF.js backends: what WASM lacks for backpropagation
 * (Conv2DBackpropFilter as transposed im2col + one matMul, UnsortedSegmentSum), the kernels of the
 * model's fast gradient path on 'wasm' and 'cpu' (fused batch norm + SiLU, the per-residue filters
 * and interleave of strided-conv input gradients, stacked im2col for 1x1 filter gradients, row
 * splits, sums of matrix products, windowed convs), a max-pool gradient replacing WASM's buggy one, and fused optimizer and EMA updates. On 'wasm' the hot loops run as SIMD
 * WebAssembly on the backend's heap (simd/). The no-copy Identity (identity.ts) is registered by
 * initBackend, after the wasm backend's own kernels.
 */
import { getKernel } from '@tensorflow/tfjs-core';
import { BN_NORMALIZE, registerBnSiluKernels } from './bn-silu.ts';
import { CONV2D, registerConv2d } from './conv2d.ts';
import { registerConv2dBackpropFilter } from './conv2d-backprop-filter.ts';
import { CONV_INPUT_GRAD_FILTER, registerConvInputGradFilter } from './conv-input-grad-filter.ts';
import { IM2COL_T, registerIm2colT } from './im2col.ts';
import { INTERLEAVE, registerInterleave } from './interleave.ts';
import { MAT_MUL, registerMatMul } from './mat-mul.ts';
import { MAX_POOL_SAME_GRAD, registerMaxPoolSameGrad } from './max-pool-grad.ts';
import { registerSplitRows, SPLIT_ROWS } from './split-rows.ts';
import { registerUnsortedSegmentSum } from './unsorted-segment-sum.ts';
import { registerWeightUpdateKernels } from './weight-update.ts';

export { BN_NORMALIZE, BN_SILU_GRAD } from './bn-silu.ts';
export { MAX_POOL_SAME_GRAD } from './max-pool-grad.ts';

/**
 * Registers all our kernels. Idempotent; safe to call before or after the backends themselves are
 * imported (registration is by name, looked up at run time).
 */
export function registerTrainingKernels(): void {
  registerConv2dBackpropFilter();
  registerUnsortedSegmentSum();
  for (const b of ['wasm', 'cpu'] as const) {
    if (getKernel(BN_NORMALIZE, b) == null) registerBnSiluKernels(b);
  }
  if (getKernel(MAX_POOL_SAME_GRAD, 'wasm') == null) registerMaxPoolSameGrad();
  if (getKernel(CONV_INPUT_GRAD_FILTER, 'wasm') == null) registerConvInputGradFilter();
  if (getKernel(INTERLEAVE, 'wasm') == null) registerInterleave();
  if (getKernel(IM2COL_T, 'wasm') == null) registerIm2colT();
  if (getKernel(SPLIT_ROWS, 'wasm') == null) registerSplitRows();
  if (getKernel(MAT_MUL, 'wasm') == null) registerMatMul();
  if (getKernel(CONV2D, 'wasm') == null) registerConv2d();
  registerWeightUpdateKernels();
}

/** True when the fused batch-norm + SiLU kernels exist for `backendName`. */
export function hasFusedKernels(backendName: string): boolean {
  return getKernel(BN_NORMALIZE, backendName) != null;
}

/**
 * The training kernels we add to TF.js backends: what WASM lacks for backpropagation
 * (Conv2DBackpropFilter, UnsortedSegmentSum), the fused batch-norm + SiLU kernels the model's
 * fast gradient path uses on 'wasm' and 'cpu', and a max-pool gradient replacing WASM's buggy one.
 */
import { getKernel } from '@tensorflow/tfjs-core';
import { BN_NORMALIZE, registerBnSiluKernels } from './bn-silu.ts';
import { registerConv2dBackpropFilter } from './conv2d-backprop-filter.ts';
import { MAX_POOL_SAME_GRAD, registerMaxPoolSameGrad } from './max-pool-grad.ts';
import { registerUnsortedSegmentSum } from './unsorted-segment-sum.ts';

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
}

/** True when the fused batch-norm + SiLU kernels exist for `backendName`. */
export function hasFusedKernels(backendName: string): boolean {
  return getKernel(BN_NORMALIZE, backendName) != null;
}

/**
 * A no-copy Identity for the WASM backend. tfjs-backend-wasm 4.22's Identity copies the whole
 * buffer, and the engine runs Identity for every `clone()`, in particular for every tensor a
 * custom gradient saves for its backward pass: a training step copied each saved activation.
 * Sharing the data (one more reference, as the cpu backend's Identity and wasm's own Reshape do)
 * is safe because no kernel writes into its inputs; variables replace their data on `assign`.
 */
import { getKernel, registerKernel, unregisterKernel, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';

const BACKEND = 'wasm';

interface RefCounting { incRef(dataId: object): void }

const sharedIdentity: KernelFunc = ({ inputs, backend }) => {
  const { x } = inputs as Record<string, TensorInfo>;
  (backend as unknown as RefCounting).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/**
 * Replaces wasm's copying Identity with the sharing one. Call after tfjs-backend-wasm is imported
 * (importing it registers its own kernels, overwriting ours); a no-op before. Idempotent.
 */
export function registerSharedIdentity(): void {
  const current = getKernel('Identity', BACKEND);
  if (current == null || current.kernelFunc === sharedIdentity) return;
  unregisterKernel('Identity', BACKEND);
  registerKernel({ kernelName: 'Identity', backendName: BACKEND, kernelFunc: sharedIdentity });
}

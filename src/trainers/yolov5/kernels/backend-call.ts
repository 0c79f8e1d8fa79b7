/**
 * Calling another backend kernel from inside a kernel: composite kernels (a filter gradient
 * built from pad + transpose + conv2d) run the backend's own kernel functions directly, so no
 * engine bookkeeping (tape, scopes) is involved, and free their intermediates themselves.
 */
import { getKernel, type KernelBackend, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';

/** Runs kernel `name` of the backend `backendName` and returns its single output. */
export function callKernel(
  backendName: string,
  backend: object,
  name: string,
  inputs: Record<string, TensorInfo>,
  attrs: NamedAttrMap,
): TensorInfo {
  const config = getKernel(name, backendName);
  if (config == null) throw new Error(`kernel '${name}' is not registered for backend '${backendName}'`);
  const out = config.kernelFunc({ inputs, backend: backend as KernelBackend, attrs });
  if (Array.isArray(out)) throw new Error(`kernel '${name}' returned several outputs; expected one`);
  return out;
}

/** Frees an intermediate made by {@link callKernel}. */
export function freeInfo(backend: object, info: TensorInfo): void {
  (backend as KernelBackend).disposeData(info.dataId);
}

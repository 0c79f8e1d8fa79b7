/**
 * UnsortedSegmentSum for the WASM backend (gather's gradient needs it):
 *   out[seg[i], ...] += x[i, ...], out shaped [numSegments, ...x.shape[rank(seg):]];
 * ids outside [0, numSegments) are dropped, as TensorFlow does.
 */
import { getKernel, registerKernel, type KernelFunc, type TensorInfo, type UnsortedSegmentSumAttrs } from '@tensorflow/tfjs-core';
import { withRawArrays } from './tensor-memory.ts';

const BACKEND = 'wasm';

const unsortedSegmentSum: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as Record<string, TensorInfo>;
  const { numSegments } = attrs as unknown as UnsortedSegmentSumAttrs;
  const inner = x.shape.slice(segmentIds.shape.length).reduce((a, b) => a * b, 1);
  const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
  const io = withRawArrays(backend, [x, segmentIds], [{ shape: outShape, dtype: x.dtype }]);
  const [xv, ids] = io.ins;
  const out = io.outs[0];
  out.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) out[dst + j] += xv[src + j];
  }
  return io.outputs[0];
};

/** Registers UnsortedSegmentSum for 'wasm' unless the backend already has one. */
export function registerUnsortedSegmentSum(): void {
  if (getKernel('UnsortedSegmentSum', BACKEND) != null) return;
  registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: BACKEND, kernelFunc: unsortedSegmentSum });
}

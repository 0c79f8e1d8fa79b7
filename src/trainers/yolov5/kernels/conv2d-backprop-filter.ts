/**
 * Conv2DBackpropFilter for the WASM backend (which has none; DESIGN.md, "TensorFlow.js backends"):
 * dW[kh, kw, ci, co] = sum over (n, oh, ow) of x[n, oh*s + kh - top, ow*s + kw - left, ci] *
 * dy[n, oh, ow, co], computed as ONE matMul of the transposed im2col of x (kernels/im2col.ts,
 * [KH*KW*Ci, M]) with dy as [M, Co] (our matMul kernel, kernels/mat-mul.ts). No transposes of x or
 * dy: the result already has the filter's layout.
 */
import {
  backend_util,
  getKernel,
  registerKernel,
  type Conv2DBackpropFilterAttrs,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { callKernel, freeInfo } from './backend-call.ts';
import { IM2COL_T, type Im2colAttrs } from './im2col.ts';
import { MAT_MUL } from './mat-mul.ts';

const BACKEND = 'wasm';

const conv2dBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as Record<string, TensorInfo>;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
    attrs as unknown as Conv2DBackpropFilterAttrs;
  if (dataFormat === 'NCHW') throw new Error("Conv2DBackpropFilter on wasm supports dataFormat 'NHWC' only, got 'NCHW'");
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode);
  const [kh, kw, ci, co] = filterShape;
  const colAttrs: Im2colAttrs = {
    kh, kw, sh: info.strideHeight, sw: info.strideWidth,
    top: info.padInfo.top, left: info.padInfo.left, oh: info.outHeight, ow: info.outWidth,
  };
  const cols = callKernel(BACKEND, backend, IM2COL_T, { x }, colAttrs as never);
  const m = info.batchSize * info.outHeight * info.outWidth;
  const out = callKernel(BACKEND, backend, MAT_MUL, { 0: { ...cols, shape: [kh * kw * ci, m] }, 1: { ...dy, shape: [m, co] } }, {});
  freeInfo(backend, cols);
  return { ...out, shape: [kh, kw, ci, co] };
};

/** Registers Conv2DBackpropFilter for 'wasm' unless a (newer) backend version already has one. */
export function registerConv2dBackpropFilter(): void {
  if (getKernel('Conv2DBackpropFilter', BACKEND) != null) return;
  registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: BACKEND, kernelFunc: conv2dBackpropFilter });
}

/**
 * Raw typed-array access to tensor data inside a kernel, for the two backends our hand-written
 * JS kernels support: 'wasm' (views onto the WASM heap, no copies) and 'cpu' (its value arrays).
 */
import type { DataType, TensorInfo } from '@tensorflow/tfjs-core';

/** Typed arrays a JS kernel reads and writes. */
export type RawArray = Float32Array | Int32Array | Uint8Array;

/** The output of {@link withRawArrays}: tensor infos to return, and the arrays behind them. */
export interface RawKernelIO {
  outputs: TensorInfo[];
  ins: RawArray[];
  outs: RawArray[];
}

interface WasmLike {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): RawArray;
}
interface CpuLike {
  data: { get(dataId: object): { values: RawArray } };
  makeTensorInfo(shape: number[], dtype: DataType, values: RawArray): TensorInfo;
}

function isWasm(b: unknown): b is WasmLike {
  return typeof (b as WasmLike).typedArrayFromHeap === 'function';
}

function emptyArray(dtype: DataType, size: number): RawArray {
  if (dtype === 'float32') return new Float32Array(size);
  if (dtype === 'int32') return new Int32Array(size);
  if (dtype === 'bool') return new Uint8Array(size);
  throw new Error(`JS kernels support float32, int32 and bool tensors, got dtype '${dtype}'`);
}

/**
 * Allocates the outputs, then returns views of inputs and outputs. On WASM, every allocation may
 * grow (and so detach) the heap, so all outputs are allocated before any view is taken; callers
 * must not allocate tensors while they hold the views. WASM outputs are NOT zeroed.
 */
export function withRawArrays(
  backend: object,
  inputs: TensorInfo[],
  outputs: { shape: number[]; dtype: DataType }[],
): RawKernelIO {
  if (isWasm(backend)) {
    const infos = outputs.map((o) => backend.makeOutput(o.shape, o.dtype));
    return {
      outputs: infos,
      ins: inputs.map((t) => backend.typedArrayFromHeap(t)),
      outs: infos.map((t) => backend.typedArrayFromHeap(t)),
    };
  }
  const cpu = backend as unknown as CpuLike;
  if (typeof cpu.makeTensorInfo !== 'function' || cpu.data == null) {
    throw new Error('JS kernels run only on the wasm and cpu backends');
  }
  const outs = outputs.map((o) => emptyArray(o.dtype, o.shape.reduce((a, b) => a * b, 1)));
  return {
    outputs: outputs.map((o, i) => cpu.makeTensorInfo(o.shape, o.dtype, outs[i])),
    ins: inputs.map((t) => cpu.data.get(t.dataId).values),
    outs,
  };
}

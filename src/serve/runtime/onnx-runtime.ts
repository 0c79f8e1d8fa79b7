/**
 * ONNX Runtime for Node (CPU provider here; CUDA where onnxruntime-node's CUDA build is
 * installed and `provider` asks for it) running a model written by our exporter.
 */
import * as ort from 'onnxruntime-node';
import { readExportMeta } from '../onnx/export.ts';
import { INPUT_NAME, OUTPUT_NAME } from '../onnx/yolo-graph.ts';
import type { DetectorRuntime } from './types.ts';

/** Options of {@link createOnnxRuntime}. */
export interface OnnxRuntimeOptions {
  /** Threads for one operator (ORT's intra-op pool); default: ORT's choice (all cores). */
  threads?: number;
  /**
   * Whether idle intra-op threads spin-wait for work (ORT's default, true). A server turns it
   * off: spinning threads take the CPU that HTTP and image decoding need between forward passes.
   */
  spinning?: boolean;
  provider?: 'cpu' | 'cuda';
}

/** Loads ONNX model bytes into an inference session. */
export async function createOnnxRuntime(bytes: Uint8Array, opts: OnnxRuntimeOptions = {}): Promise<DetectorRuntime> {
  const meta = readExportMeta(bytes);
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: [opts.provider ?? 'cpu'],
    graphOptimizationLevel: 'all',
    ...(opts.threads ? { intraOpNumThreads: opts.threads, interOpNumThreads: 1 } : {}),
    ...(opts.spinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } } : {}),
  });
  const dims = (session.inputMetadata.find((m) => m.name === INPUT_NAME) as { shape?: (number | string)[] } | undefined)?.shape;
  const fixedBatch = typeof dims?.[0] === 'number' ? dims[0] : undefined;
  const size = meta.size;
  const nc = meta.names.length;
  return {
    kind: 'onnx', size, nc,
    maxBatch: fixedBatch ?? Number.POSITIVE_INFINITY,
    concurrency: 1,
    async run(input, n) {
      const feeds = { [INPUT_NAME]: new ort.Tensor('float32', input.subarray(0, n * 3 * size * size), [n, 3, size, size]) };
      const out = (await session.run(feeds))[OUTPUT_NAME];
      return { data: out.data as Float32Array, rows: out.dims[1] };
    },
    dispose: () => session.release(),
  };
}

/** Whether `a` spans its whole (non-shared) buffer, so that transferring the buffer moves just `a`. */
export function ownsBuffer(a: Float32Array): boolean {
  return a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength;
}

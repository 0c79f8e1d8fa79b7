/**
 * Worker thread entry of {@link createOnnxWorkerRuntime}: holds one ONNX Runtime session and runs
 * the batches it is sent. onnxruntime-node's run() blocks the thread that calls it, so in the
 * server's main thread every forward pass would stall HTTP and image decoding.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createOnnxRuntime, ownsBuffer, type OnnxRuntimeOptions } from './onnx-runtime.ts';

const { bytes, options } = workerData as { bytes: Uint8Array; options: OnnxRuntimeOptions };
const port = parentPort!;

try {
  const runtime = await createOnnxRuntime(bytes, options);
  port.postMessage({ type: 'ready', size: runtime.size, nc: runtime.nc, maxBatch: runtime.maxBatch });
  port.on('message', async (message: { type: 'run'; id: number; input: Float32Array; n: number } | { type: 'dispose' }) => {
    if (message.type === 'dispose') {
      await runtime.dispose();
      port.close();
      return;
    }
    const { input } = message;
    try {
      const { data, rows } = await runtime.run(input, message.n);
      // onnxruntime-node gives each run's output a fresh ArrayBuffer of its own: it can be
      // transferred as it is. A view into a larger buffer would be copied.
      const out = ownsBuffer(data) ? data : data.slice();
      port.postMessage({ type: 'result', id: message.id, data: out, rows, input }, [out.buffer as ArrayBuffer, input.buffer as ArrayBuffer]);
    } catch (error) {
      port.postMessage({ type: 'error', id: message.id, message: (error as Error).message, input }, [input.buffer as ArrayBuffer]);
    }
  });
} catch (error) {
  port.postMessage({ type: 'failed', message: (error as Error).message });
}

import { Worker } from 'node:worker_threads';
import { siblingModule, workerEntry } from '../../core/index.ts';
import { ownsBuffer, type OnnxRuntimeOptions } from './onnx-runtime.ts';
import type { DetectorRuntime, RunResult } from './types.ts';

const ENTRY = siblingModule(import.meta.url, './onnx-worker.ts');

type FromWorker =
  | { type: 'ready'; size: number; nc: number; maxBatch: number }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; data: Float32Array; rows: number; input: Float32Array }
  | { type: 'error'; id: number; message: string; input: Float32Array };

/**
 * ONNX Runtime in a worker thread: the same model and results as createOnnxRuntime, but the
 * forward pass no longer blocks the server's event loop, so requests are parsed, images decoded
 * and the next batch formed while a batch runs.
 */
export async function createOnnxWorkerRuntime(bytes: Uint8Array, options: OnnxRuntimeOptions = {}): Promise<DetectorRuntime> {
  const [entry, entryOptions] = workerEntry(ENTRY);
  const worker = new Worker(entry, { ...entryOptions, workerData: { bytes, options } });
  const pending = new Map<number, { resolve(r: RunResult): void; reject(e: Error): void }>();
  let nextId = 0;
  const failAll = (error: Error): void => {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  const meta = await new Promise<{ size: number; nc: number; maxBatch: number }>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (m: FromWorker) => (m.type === 'ready' ? resolve(m) : reject(new Error(m.type === 'failed' ? m.message : 'ONNX worker did not start'))));
  });
  worker.on('message', (m: FromWorker) => {
    if (m.type !== 'result' && m.type !== 'error') return;
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.type === 'result') p?.resolve({ data: m.data, rows: m.rows, input: m.input });
    else p?.reject(new Error(m.message));
  });
  worker.on('error', (error) => failAll(error));
  worker.on('exit', (code) => failAll(new Error(`ONNX worker exited with code ${code}`)));
  return {
    kind: 'onnx',
    size: meta.size,
    nc: meta.nc,
    maxBatch: meta.maxBatch ?? Number.POSITIVE_INFINITY,
    run(input, n) {
      // The whole buffer moves to the worker and comes back with the result (no copy, no
      // allocation); a view into a larger buffer is copied out instead.
      const batch = ownsBuffer(input) ? input : input.slice(0, n * 3 * meta.size * meta.size);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ type: 'run', id, input: batch, n }, [batch.buffer as ArrayBuffer]);
      });
    },
    async dispose() {
      worker.postMessage({ type: 'dispose' });
      await new Promise((resolve) => worker.once('exit', resolve));
    },
  };
}

import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { siblingModule } from '../../core/index.ts';
import type { OnnxRuntimeOptions } from './onnx-runtime.ts';
import type { DetectorRuntime, RunResult } from './types.ts';

const ENTRY = siblingModule(import.meta.url, './onnx-worker.ts');

type FromWorker =
  | { type: 'ready'; size: number; nc: number; maxBatch: number }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; data: Float32Array; rows: number }
  | { type: 'error'; id: number; message: string };

/**
 * ONNX Runtime in a worker thread: the same model and results as createOnnxRuntime, but the
 * forward pass no longer blocks the server's event loop, so requests are parsed, images decoded
 * and the next batch formed while a batch runs. The batch goes over in a SharedArrayBuffer
 * (inputBuffer) that both threads keep: moving a 3 MB batch buffer to the worker and back every
 * batch, as before, counted as new external memory in both threads each time, and V8 answered
 * with a full garbage collection every few hundred ms under load.
 */
export async function createOnnxWorkerRuntime(bytes: Uint8Array, options: OnnxRuntimeOptions = {}): Promise<DetectorRuntime> {
  const [entry, entryOptions] = workerEntry();
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
  const per = 3 * meta.size * meta.size;
  let shared: Float32Array | undefined;
  let sharedSent = false;
  const share = (floats: number): Float32Array => {
    shared = new Float32Array(new SharedArrayBuffer(floats * Float32Array.BYTES_PER_ELEMENT));
    sharedSent = false;
    return shared;
  };
  let last: Promise<unknown> = Promise.resolve();
  worker.on('message', (m: FromWorker) => {
    if (m.type !== 'result' && m.type !== 'error') return;
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.type === 'result') p?.resolve({ data: m.data, rows: m.rows });
    else p?.reject(new Error(m.message));
  });
  worker.on('error', (error) => failAll(error));
  worker.on('exit', (code) => failAll(new Error(`ONNX worker exited with code ${code}`)));
  return {
    kind: 'onnx',
    size: meta.size,
    nc: meta.nc,
    maxBatch: meta.maxBatch ?? Number.POSITIVE_INFINITY,
    inputBuffer: share,
    run(input, n) {
      // One run at a time: the worker reads the shared buffer while it runs.
      const run = last.then(() => new Promise<RunResult>((resolve, reject) => {
        const floats = n * per;
        if (input.buffer !== shared?.buffer || input.byteOffset !== 0) (!shared || shared.length < floats ? share(floats) : shared).set(input.subarray(0, floats));
        const id = nextId++;
        pending.set(id, { resolve, reject });
        worker.postMessage({ type: 'run', id, n, shared: sharedSent ? undefined : shared });
        sharedSent = true;
      }));
      last = run.catch(() => undefined);
      return run;
    },
    async dispose() {
      worker.postMessage({ type: 'dispose' });
      await new Promise((resolve) => worker.once('exit', resolve));
    },
  };
}

/**
 * The built .js entry runs as it is. A .ts entry (tests run the sources) needs tsx registered in
 * the worker first: Node 20 workers ignore an `--import` loader in their execArgv.
 */
function workerEntry(): [string, { eval?: boolean }] {
  if (!ENTRY.endsWith('.ts')) return [ENTRY, {}];
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const entry = JSON.stringify(pathToFileURL(ENTRY).href);
  return [`import(${api}).then(({ register }) => { register(); return import(${entry}); })`, { eval: true }];
}

/**
 * Training batches built in a worker thread (mosaic, augmentations, decoding, float conversion),
 * so on a machine with a free core the next batch is ready when the training step ends instead of
 * costing the step's thread its time. The thread opens the same image files with its own cache and
 * runs the same buildBatch, so the batches are byte for byte those of this thread. Until it has
 * started (module loading), and if it dies, batches are built on this thread: the first training
 * step does not wait for the thread.
 */
import { Worker } from 'node:worker_threads';
import { siblingModule, workerEntry } from '../../../core/index.ts';
import type { Batch } from '../types.ts';
import { DatasetError } from './errors.ts';
import type { ImageSet } from './image-set.ts';
import { buildBatch, type BatchBuilder, type BatchOptions } from './loader.ts';

const ENTRY = siblingModule(import.meta.url, './batch-thread-main.ts');

/** What the thread is sent: its image set, then build requests. */
export interface BatchThreadData {
  files: string[];
  labels: Float32Array[];
  shapes: { width: number; height: number }[];
  nc: number;
}
export interface BuildRequest { id: number; indices: number[]; start: number; opts: BatchOptions }
export type FromBatchThread =
  | { type: 'ready' }
  | { type: 'batch'; id: number; batch: Batch }
  | { type: 'error'; id: number; name: string; message: string };

/** A batch thread over one image set; `close` ends it (builds still owed reject; later ones run here). */
export interface BatchThread {
  build: BatchBuilder;
  /** True once the thread takes builds; false if it ended before. */
  readonly ready: Promise<boolean>;
  /** Batches built so far by the thread and on this thread. */
  readonly built: { thread: number; here: number };
  close(): Promise<void>;
}

/** Starts a batch thread over `set`. Returns at once; builds run here until the thread is ready. */
export function startBatchThread(set: ImageSet): BatchThread {
  const data: BatchThreadData = { files: set.files, labels: set.labels, shapes: set.shapes, nc: set.nc };
  const [entry, options] = workerEntry(ENTRY);
  const worker = new Worker(entry, { ...options, workerData: data });
  // Referenced only while it owes a batch: a run that never closes it must not keep the process
  // alive, but a reply awaited with nothing else pending must not be cut off by the process exiting.
  worker.unref();
  let state: 'starting' | 'ready' | 'gone' = 'starting';
  let started!: (ok: boolean) => void;
  const ready = new Promise<boolean>((resolve) => { started = resolve; });
  const built = { thread: 0, here: 0 };
  let nextId = 0;
  const pending = new Map<number, { request: BuildRequest; resolve(b: Batch): void; reject(e: Error): void }>();
  const local = (r: BuildRequest) => {
    built.here += 1;
    return buildBatch(set, r.indices, r.start, r.opts);
  };
  /** The thread is gone: what it still owed is built here (a dying thread costs time, not the run) or, on close, rejected. */
  const end = (closing: boolean) => {
    state = 'gone';
    started(false);
    for (const p of pending.values()) {
      if (closing) p.reject(new Error('batch thread closed'));
      else local(p.request).then(p.resolve, p.reject);
    }
    pending.clear();
  };
  worker.on('message', (m: FromBatchThread) => {
    if (m.type === 'ready') {
      if (state === 'starting') state = 'ready';
      started(state === 'ready');
      return;
    }
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (pending.size === 0) worker.unref();
    if (p == null) return;
    if (m.type === 'batch') {
      built.thread += 1;
      p.resolve(m.batch);
    } else {
      p.reject(m.name === 'DatasetError' ? new DatasetError(m.message) : new Error(m.message));
    }
  });
  worker.on('error', () => end(false));
  worker.on('exit', () => end(false));
  return {
    ready,
    built,
    build(indices, start, opts) {
      const request: BuildRequest = { id: nextId++, indices, start, opts };
      if (state !== 'ready') return local(request);
      return new Promise((resolve, reject) => {
        pending.set(request.id, { request, resolve, reject });
        worker.ref();
        worker.postMessage(request);
      });
    },
    async close() {
      end(true);
      await worker.terminate();
    },
  };
}

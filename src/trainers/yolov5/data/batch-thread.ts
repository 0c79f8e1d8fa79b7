/**
 * Training batches built in a worker thread (mosaic, augmentations, decoding, float conversion),
 * so on a machine with a free core the next batch is ready when the training step ends instead of
 * costing the step's thread its time. The thread opens the same image files with its own cache and
 * runs the same buildBatch, so the batches are byte for byte those of this thread. It is started
 * before the image set is open, so that its module loading (about 0.2 s) overlaps the trainer's
 * set-up and the first batch is built beside the model instead of after it; builds posted while it
 * is still loading wait in its queue. If it dies, what it owed and every later build run on this
 * thread.
 */
import { Worker } from 'node:worker_threads';
import { siblingModule, workerEntry } from '../../../core/index.ts';
import type { Batch } from '../types.ts';
import { DatasetError } from './errors.ts';
import type { ImageSet } from './image-set.ts';
import { buildBatch } from './build-batch.ts';
import type { BatchBuilder, BatchOptions } from './loader.ts';

const ENTRY = siblingModule(import.meta.url, './batch-thread-main.ts');

/** The image set as the thread is sent it. */
export interface BatchThreadSet {
  files: string[];
  labels: Float32Array[];
  shapes: { width: number; height: number }[];
  nc: number;
}
export interface BuildRequest { id: number; indices: number[]; start: number; opts: BatchOptions }
/** What the thread is sent: its image set once, then build requests. */
export type ToBatchThread = { type: 'open'; set: BatchThreadSet } | ({ type: 'build' } & BuildRequest);
export type FromBatchThread =
  | { type: 'ready' }
  | { type: 'batch'; id: number; batch: Batch }
  | { type: 'error'; id: number; name: string; message: string };

/** A batch thread; `open` gives it its image set; `close` ends it (builds still owed reject; later ones run here). */
export interface BatchThread {
  /** The image set every build draws from; once, before the first build. */
  open(set: ImageSet): void;
  build: BatchBuilder;
  /** True once the thread takes builds; false if it ended before. */
  readonly ready: Promise<boolean>;
  /** Batches built so far by the thread and on this thread. */
  readonly built: { thread: number; here: number };
  close(): Promise<void>;
}

/** A thread started ahead of any run (a spare trial process's preload), for the next run to take. */
let preloaded: BatchThread | undefined;

/** Starts a thread for the next run to take (see takeBatchThread); resolves once its modules are loaded. */
export function preloadBatchThread(): Promise<boolean> {
  preloaded ??= startBatchThread();
  return preloaded.ready;
}

/**
 * A run's batch thread: the preloaded one if there is one (its modules are loaded already), else a
 * new one. With `wanted` false (args/workers 0) there is none, and a preloaded one is ended.
 */
export function takeBatchThread(wanted: boolean): BatchThread | undefined {
  const thread = preloaded;
  preloaded = undefined;
  if (wanted) return thread ?? startBatchThread();
  void thread?.close();
  return undefined;
}

/** Starts a batch thread. Returns at once; the thread loads its modules while `open` and the first builds are queued. */
export function startBatchThread(): BatchThread {
  const [entry, options] = workerEntry(ENTRY);
  const worker = new Worker(entry, options);
  // Referenced only while it owes a batch: a run that never closes it must not keep the process
  // alive, but a reply awaited with nothing else pending must not be cut off by the process exiting.
  worker.unref();
  let state: 'starting' | 'ready' | 'gone' = 'starting';
  let started!: (ok: boolean) => void;
  const ready = new Promise<boolean>((resolve) => { started = resolve; });
  const built = { thread: 0, here: 0 };
  let set: ImageSet | undefined;
  let nextId = 0;
  const pending = new Map<number, { request: BuildRequest; resolve(b: Batch): void; reject(e: Error): void }>();
  const local = (r: BuildRequest) => {
    built.here += 1;
    return buildBatch(set!, r.indices, r.start, r.opts);
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
    open(s) {
      if (set) throw new Error('batch thread: open() was already called');
      set = s;
      if (state !== 'gone') worker.postMessage({ type: 'open', set: { files: s.files, labels: s.labels, shapes: s.shapes, nc: s.nc } } satisfies ToBatchThread);
    },
    build(indices, start, opts) {
      if (!set) throw new Error('batch thread: open(set) must come before build()');
      const request: BuildRequest = { id: nextId++, indices, start, opts };
      if (state === 'gone') return local(request);
      return new Promise((resolve, reject) => {
        pending.set(request.id, { request, resolve, reject });
        worker.ref();
        worker.postMessage({ type: 'build', ...request } satisfies ToBatchThread);
      });
    },
    async close() {
      end(true);
      await worker.terminate();
    },
  };
}

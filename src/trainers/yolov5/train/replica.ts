/**
 * Data-parallel training on one machine (`args/replicas`), as YOLOv5's DDP without SyncBN: each
 * batch is split into shares, the trial's thread runs the first and each replica thread (its own
 * TF.js WebAssembly backend and model copy) one of the others, at once; the gradients of all
 * shares are summed before the optimizer step, and the new weights go back to the replicas after
 * it. The loss of a share is YOLOv5's (mean terms times the share's size), so the sum is what DDP
 * gives. BatchNorm uses each share's own batch statistics; the running statistics and the EMA are
 * the trial thread's. The WASM backend runs one thread, so this is how a run uses more cores.
 */
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { siblingModule, workerEntry } from '../../../core/index.ts';
import type { LossOptions } from '../loss/loss.ts';
import type { YoloModel, YoloSize } from '../model/index.ts';
import type { Batch } from '../types.ts';

const ENTRY = siblingModule(import.meta.url, './replica-main.ts');

/** What a replica thread is started with. */
export interface ReplicaSetup {
  size: YoloSize;
  nc: number;
  backend: 'wasm' | 'cpu';
  loss: LossOptions;
}

export type ToReplica =
  | { type: 'weights'; values: readonly Float32Array[] }
  | { type: 'step'; images: Float32Array; targets: Float32Array; batchSize: number; imgSize: number }
  | { type: 'take' }
  | { type: 'reset' };
export type FromReplica =
  | { type: 'ready' }
  | { type: 'stepped'; total: number; parts: [number, number, number] }
  | { type: 'grads'; grads: (Float32Array | null)[] }
  | { type: 'error'; message: string };

/** The trainable variables in the optimizer's order (biases, weights, BN weights): gradients travel in it. */
export function optimizerOrder(model: YoloModel): tf.Variable[] {
  const g = model.trainableVariables();
  return [...g.biases, ...g.weights, ...g.bnWeights];
}

/** The current values of `vars`, read once for every replica they go to (each post copies them). */
export function weightValues(vars: readonly tf.Variable[]): Float32Array[] {
  return vars.map((v) => v.dataSync() as Float32Array);
}

/** One replica thread. Its answers come in the order of the requests. */
export interface Replica {
  /** Resolves once its backend and model are up (rejects if it failed to start). */
  readonly ready: Promise<void>;
  /** Sends weight values ({@link weightValues}, the optimizer's order); later steps run with them. */
  setWeights(values: readonly Float32Array[]): void;
  /** Runs the forward and backward pass of `share`, adding its gradients to the replica's sums; resolves with its loss. */
  step(share: Batch): Promise<{ total: number; parts: [number, number, number] }>;
  /** The gradient sums since the last take or reset, in the optimizer's order (null: no gradient); the replica starts new sums. */
  takeGrads(): Promise<(Float32Array | null)[]>;
  /** Drops the sums (zero_grad at an epoch's start). */
  reset(): void;
  close(): Promise<void>;
}

/** Starts a replica thread; its backend and model load while the trial's thread sets up. */
export function startReplica(setup: ReplicaSetup, index: number): Replica {
  const [entry, options] = workerEntry(ENTRY);
  const worker = new Worker(entry, { ...options, workerData: setup });
  // Referenced only while an answer is owed, as the batch thread: a run that never closes it must
  // not keep the process alive.
  worker.unref();
  const waiting: { resolve(m: FromReplica): void; reject(e: Error): void }[] = [];
  let failed: Error | undefined;
  let started!: { resolve(): void; reject(e: Error): void };
  const ready = new Promise<void>((resolve, reject) => { started = { resolve, reject }; });
  ready.catch(() => {}); // a caller that never awaits it learns of the failure from its next step
  const fail = (error: Error): void => {
    failed ??= new Error(`yolov5: replica ${index} failed: ${error.message}`);
    started.reject(failed);
    for (const w of waiting.splice(0)) w.reject(failed);
  };
  let up = false;
  worker.on('message', (m: FromReplica) => {
    if (m.type === 'ready') {
      up = true;
      started.resolve();
    } else if (m.type === 'error' && !up) fail(new Error(m.message)); // it could not start
    else {
      waiting.shift()?.resolve(m);
      if (waiting.length === 0) worker.unref();
    }
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`its thread exited (code ${code})`)));
  const ask = (message: ToReplica, transfer: ArrayBuffer[] = []): Promise<FromReplica> => {
    if (failed) return Promise.reject(failed);
    return new Promise((resolve, reject) => {
      waiting.push({ resolve, reject });
      worker.ref();
      worker.postMessage(message, transfer);
    });
  };
  return {
    ready,
    setWeights(values) {
      if (!failed) worker.postMessage({ type: 'weights', values } satisfies ToReplica);
    },
    async step(share) {
      const m = await ask({ type: 'step', images: share.images, targets: share.targets, batchSize: share.batchSize, imgSize: share.imgSize }, [share.images.buffer as ArrayBuffer]);
      if (m.type === 'error') throw new Error(`yolov5: replica ${index}: ${m.message}`);
      if (m.type !== 'stepped') throw new Error(`yolov5: replica ${index} answered ${m.type} to a step`);
      return { total: m.total, parts: m.parts };
    },
    async takeGrads() {
      const m = await ask({ type: 'take' });
      if (m.type !== 'grads') throw new Error(`yolov5: replica ${index} answered ${m.type} to a take`);
      return m.grads;
    },
    reset() {
      if (!failed) worker.postMessage({ type: 'reset' } satisfies ToReplica);
    },
    async close() {
      failed ??= new Error('yolov5: replica closed');
      await worker.terminate();
    },
  };
}

/**
 * `batch` as `parts` shares of consecutive images (sizes differing by at most one, the larger
 * first), each with its own images (copied: a share's buffer moves to its thread) and its targets
 * renumbered from 0.
 */
export function splitBatch(batch: Batch, parts: number): Batch[] {
  const per = batch.imgSize * batch.imgSize * 3;
  const shares: Batch[] = [];
  let start = 0;
  for (let k = 0; k < parts; k++) {
    const n = Math.floor(batch.batchSize / parts) + (k < batch.batchSize % parts ? 1 : 0);
    const rows: number[] = [];
    for (let r = 0; r + 5 < batch.targets.length; r += 6) {
      const image = batch.targets[r];
      if (image >= start && image < start + n) rows.push(image - start, ...batch.targets.subarray(r + 1, r + 6));
    }
    shares.push({
      images: batch.images.slice(start * per, (start + n) * per),
      batchSize: n,
      imgSize: batch.imgSize,
      targets: Float32Array.from(rows),
      paths: batch.paths.slice(start, start + n),
    });
    start += n;
  }
  return shares;
}

/**
 * Builds a ModelVersion from a task id: reads the task's checkpoint from the store, exports it
 * to ONNX (dynamic batch) once per checkpoint content and input size into a cache folder, and
 * loads it in ONNX Runtime; with `runtime: 'tfjs'`, or when ONNX Runtime cannot load, the TF.js
 * forward pass serves instead.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { TaskStore } from '../core/index.ts';
import type { ArtifactStores } from '../artifacts/index.ts';
import type { Checkpoint } from '../trainers/yolov5/train/checkpoint.ts';
import { ServeError } from './errors.ts';
import { modelFromCheckpoint, readTaskCheckpoint } from './model-source.ts';
import { ModelVersion } from './model-version.ts';
import { exportOnnx } from './onnx/export.ts';
import type { BatcherOptions } from './pipeline/batcher.ts';
import { createTfjsRuntime } from './runtime/tfjs-runtime.ts';
import type { DetectorRuntime } from './runtime/types.ts';

/** How versions are loaded. */
export interface LoaderOptions {
  store: TaskStore;
  /** Where checkpoints are read from (the stores task records name). */
  artifacts: ArtifactStores;
  /** Folder for exported .onnx files. */
  cacheDir: string;
  /** 'onnx' (default; falls back to TF.js with a warning if ONNX Runtime fails) or 'tfjs'. */
  runtime: 'onnx' | 'tfjs';
  /** Input size; default the size the checkpoint was trained at. */
  size?: number;
  /** ORT intra-op threads of each instance (default: {@link serveLayout}). */
  threads?: number;
  /** Model instances, forward passes that run at once (default: {@link serveLayout}). */
  instances?: number;
  batching: (version: string) => BatcherOptions;
  warn(message: string): void;
}

/** Returns a function loading (and warming) the version of a training task id. */
export function versionLoader(opts: LoaderOptions): (taskId: string) => Promise<ModelVersion> {
  return async (taskId) => {
    const ckpt = await readTaskCheckpoint(opts.store, opts.artifacts, taskId);
    const { model, info } = await modelFromCheckpoint(ckpt, taskId);
    model.dispose();
    const defaultSize = opts.size ?? ckpt.model.imgSize;
    const version = new ModelVersion(taskId, info, defaultSize, (size) => loadRuntime(opts, ckpt, taskId, size), opts.batching);
    await version.warm();
    return version;
  };
}

/**
 * How a server spreads ONNX Runtime over `cores` by default: two instances (two batches run at
 * once, each on its own session) when there are two cores or more, and together about as many
 * intra-op threads as cores. On 2 cores with 8 clients (bench:serve-ab, yolov5n) two
 * single-threaded instances served 93 img/s at 320 px against 72 for one (whose second core sat
 * mostly idle) and 449 against 419 at 128 px, where the event loop's share of an image is
 * larger; a second intra-op thread on one instance instead gained 3 % at 128 px.
 */
export function serveLayout(cores = availableParallelism()): { instances: number; threads: number } {
  const instances = cores >= 2 ? 2 : 1;
  return { instances, threads: Math.max(1, Math.ceil((cores - 1) / instances)) };
}

/** Checks a requested input size; the message names the value and the rule. */
export function checkSize(size: number, field = 'size'): void {
  if (!Number.isInteger(size) || size < 32 || size > 1280 || size % 32 !== 0) {
    throw new ServeError('SERVE_BAD_SIZE', `${field} must be a multiple of 32 between 32 and 1280, got ${size}`);
  }
}

async function loadRuntime(opts: LoaderOptions, ckpt: Checkpoint, taskId: string, size: number): Promise<DetectorRuntime> {
  checkSize(size);
  if (opts.runtime === 'tfjs') return tfjsRuntime(ckpt, taskId, size);
  try {
    const bytes = await cachedExport(opts.cacheDir, ckpt, taskId, size);
    const { createOnnxWorkerRuntime } = await import('./runtime/onnx-worker-runtime.ts');
    const layout = serveLayout();
    return await createOnnxWorkerRuntime(bytes, { threads: opts.threads ?? layout.threads, instances: opts.instances ?? layout.instances, spinning: false });
  } catch (error) {
    if (error instanceof ServeError) throw error;
    opts.warn(`ONNX Runtime could not load task ${taskId} at ${size} px (${(error as Error).message}); serving it with the TF.js forward pass`);
    return tfjsRuntime(ckpt, taskId, size);
  }
}

async function tfjsRuntime(ckpt: Checkpoint, taskId: string, size: number): Promise<DetectorRuntime> {
  const { model } = await modelFromCheckpoint(ckpt, taskId);
  return createTfjsRuntime(model, size);
}

/** The ONNX bytes of this checkpoint at `size`, exported once per weights content. */
export async function cachedExport(cacheDir: string, ckpt: Checkpoint, taskId: string, size: number): Promise<Uint8Array> {
  const digest = createHash('sha256').update(ckpt.ema ?? ckpt.weights).digest('hex').slice(0, 16);
  const file = join(cacheDir, `${taskId}-${digest}-${size}-dynamic.onnx`);
  try {
    return new Uint8Array(await readFile(file));
  } catch {
    // not cached yet
  }
  const { model, info } = await modelFromCheckpoint(ckpt, taskId);
  let bytes: Uint8Array;
  try {
    bytes = exportOnnx(model, { size, dynamicBatch: true, names: info.names, taskId });
  } finally {
    model.dispose();
  }
  await mkdir(cacheDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, file);
  return bytes;
}

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
  /** ORT intra-op threads (default: {@link serveThreads}). */
  threads?: number;
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
 * ONNX Runtime threads when serving: every core but one (at least one), which is left to the
 * event loop and sharp's decoding; they cost a request about as much CPU as its forward pass at
 * small sizes, and ORT threads competing with them for the last core gain little.
 */
export function serveThreads(): number {
  return Math.max(1, availableParallelism() - 1);
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
    return await createOnnxWorkerRuntime(bytes, { threads: opts.threads ?? serveThreads(), spinning: false });
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

/**
 * Where a served model comes from: a training task's best.bin (or a study's best completed
 * trial's), found through the task store, read from the artifact store its record names, and
 * rebuilt as the trainer's YOLOv5 model.
 */
import type { TaskStore } from '../core/index.ts';
import { readTaskArtifact, type ArtifactStores } from '../artifacts/index.ts';
import { buildLeaderboard } from '../study/index.ts';
import { decodeCheckpoint, type Checkpoint } from '../trainers/yolov5/train/checkpoint.ts';
import * as tf from '@tensorflow/tfjs-core';
import { registerTrainingKernels } from '../trainers/yolov5/kernels/index.ts';
import { createYoloModel, loadBackendPackage, type YoloModel } from '../trainers/yolov5/model/index.ts';
import { ServeError } from './errors.ts';

/** The training task that `id` names: itself, or a controller's best completed trial. */
export async function resolveTrainingTask(store: TaskStore, id: string): Promise<string> {
  const task = await store.get(id);
  if (task.type !== 'controller') return task.id;
  const best = await bestCompletedTrial(store, id);
  if (best === undefined) {
    throw new ServeError('SERVE_NO_COMPLETED_TRIAL', `study ${id} has no completed trial yet: wait for one, or pass a trial's task id (\`hpo top ${id}\`)`);
  }
  return best;
}

/**
 * The study's best completed trial id (feasible when it has constraints; several objectives: the
 * first of the Pareto front, as ranked), or undefined while none has completed.
 */
export async function bestCompletedTrial(store: TaskStore, controllerId: string): Promise<string | undefined> {
  const board = await buildLeaderboard(store, controllerId);
  const completed = board.rows.filter((r) => r.status === 'completed');
  return (completed.find((r) => r.feasible !== false) ?? completed[0])?.taskId;
}

/** A task's checkpoint: best.bin, else last.bin. */
export async function readTaskCheckpoint(store: TaskStore, artifacts: ArtifactStores, taskId: string): Promise<Checkpoint> {
  const task = await store.get(taskId);
  const name = task.artifacts['best.bin'] ? 'best.bin' : task.artifacts['last.bin'] ? 'last.bin' : undefined;
  if (!name) {
    throw new ServeError('SERVE_NO_CHECKPOINT', `task ${taskId} has no best.bin or last.bin artifact: serve a yolov5 training task that finished at least one epoch`);
  }
  return decodeCheckpoint(new Uint8Array(await readTaskArtifact(store, artifacts, taskId, name)), `${name} of task ${taskId}`);
}

let backend: Promise<string> | undefined;

/**
 * A TF.js backend for eval forward passes only: wasm, else cpu. Unlike the trainer's initBackend
 * it loads no gradients (seconds per process) and keeps a backend already chosen. Our kernels
 * are registered either way.
 */
export async function initInferenceBackend(): Promise<string> {
  registerTrainingKernels(); // the eval forward uses some of them too (split-rows); no gradients
  if (tf.getBackend() && ['wasm', 'cpu', 'tensorflow'].includes(tf.getBackend())) return tf.getBackend();
  try {
    loadBackendPackage('@tensorflow/tfjs-backend-wasm');
    if (await tf.setBackend('wasm')) return tf.getBackend();
  } catch {
    // wasm not installed or not loadable here: the pure-JS backend works everywhere
  }
  loadBackendPackage('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  return tf.getBackend();
}

/** What a served model needs besides its weights. */
export interface ModelInfo {
  /** The training task whose checkpoint it is (the served "version"). */
  taskId: string;
  names: string[];
  /** Image size the model was trained at. */
  imgSize: number;
  size: string;
  nc: number;
}

/**
 * Rebuilds the checkpoint's network (EMA weights when present, as validation used) on the TF.js
 * backend (initialized here if needed). The caller disposes the model.
 */
export async function modelFromCheckpoint(ckpt: Checkpoint, taskId: string): Promise<{ model: YoloModel; info: ModelInfo }> {
  await (backend ??= initInferenceBackend());
  const { size, nc, imgSize } = ckpt.model;
  const model = createYoloModel({ size: size as YoloModel['size'], nc, blank: true });
  try {
    model.load(ckpt.ema ?? ckpt.weights);
  } catch (error) {
    model.dispose();
    throw new ServeError('SERVE_BAD_CHECKPOINT', `task ${taskId}: ${(error as Error).message}`, { cause: error });
  }
  const names = ckpt.model.names?.length === nc ? ckpt.model.names : Array.from({ length: nc }, (_, i) => `class${i}`);
  return { model, info: { taskId, names, imgSize, size, nc } };
}

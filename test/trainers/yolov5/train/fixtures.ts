import { mkdirSync, readFileSync, mkdtempSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createBatches, synthesizeDataset } from '../../../../src/trainers/yolov5/data/index.ts';
import { computeLoss } from '../../../../src/trainers/yolov5/loss/loss.ts';
import type { TrainingRun } from '../../../../src/trainers/yolov5/index.ts';
import type { Environment, Params } from '../../../../src/core/index.ts';
import type { TrainerContext } from '../../../../src/worker/trainer.ts';

/**
 * A 4-image synthetic dataset (64 px, 2 classes). `train.txt` lists the 4 training images
 * `repeat` times, so one epoch takes several optimizer steps on the same images.
 */
export async function tinyDataset(repeat = 8): Promise<{ dir: string; yaml: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'hpo-yolo-train-'));
  const out = join(dir, 'ds');
  await synthesizeDataset({ out, train: 4, val: 4, img: 64, classes: 2, seed: 3 });
  const images = readdirSync(join(out, 'images', 'train')).map((f) => `./images/train/${f}`);
  writeFileSync(join(out, 'train.txt'), `${Array.from({ length: repeat }, () => images).flat().join('\n')}\n`);
  const yaml = join(out, 'smoke.yaml');
  writeFileSync(yaml, `path: ${out}\ntrain: train.txt\nval: images/train\nnc: 2\nnames: [circle, square]\n`);
  return { dir, yaml };
}

/** Params for a fast, deterministic run: augmentation off, wasm backend, 64 px, batch 4. */
export function smokeParams(yaml: string, extra: Params = {}): Params {
  return {
    'args/data': yaml, 'args/epochs': 1, 'args/img': 64, 'args/batch': 4, 'args/backend': 'wasm', 'args/seed': 1,
    'hyp/mosaic': 0, 'hyp/fliplr': 0, 'hyp/hsv_h': 0, 'hyp/hsv_s': 0, 'hyp/hsv_v': 0, 'hyp/translate': 0, 'hyp/scale': 0,
    ...extra,
  };
}

/** A recording TrainerContext (work folder created) backed by an in-memory artifact store shared between tasks. */
export function recordingContext(taskId: string, workDir: string, store = new Map<string, Map<string, Uint8Array>>()) {
  mkdirSync(workDir, { recursive: true });
  const reports: { step: number; scalars: Record<string, number> }[] = [];
  const logs: string[] = [];
  const environment: Partial<Environment>[] = [];
  const controller = new AbortController();
  const artifacts = new Map<string, Uint8Array>();
  store.set(taskId, artifacts);
  let onReport: ((step: number) => void) | undefined;
  const ctx: TrainerContext = {
    taskId, workDir, trainer: { type: 'yolov5' }, signal: controller.signal,
    reporter: {
      report: async (step, scalars) => {
        reports.push({ step, scalars });
        onReport?.(step);
      },
    },
    log: (line) => logs.push(line),
    recordEnvironment: async (patch) => {
      environment.push(patch);
    },
    putArtifact: async (name, data) => {
      artifacts.set(name, typeof data === 'string' ? new TextEncoder().encode(data) : data);
    },
    putArtifactFile: async (name, file) => {
      artifacts.set(name, new Uint8Array(readFileSync(file)));
    },
    getArtifact: async (id, name) => {
      const found = store.get(id)?.get(name);
      if (!found) throw new Error(`no artifact ${name} on task ${id}`);
      return found;
    },
  };
  return { ctx, reports, logs, environment, artifacts, controller, store, setOnReport: (f: (step: number) => void) => (onReport = f) };
}

/** The training objective summed over the 4 distinct images, one per batch (train-mode BN, no augmentation). */
export async function lossOnTrainImages(run: TrainingRun): Promise<number> {
  const { args, hyp } = run.params;
  let total = 0;
  for await (const batch of createBatches(run.valSet, { imgSize: args.img, batchSize: 1, hyp, augment: false, shuffle: false, seed: 0, cache: false })) {
    total += tf.tidy(() => {
      const x = tf.tensor4d(batch.images, [batch.batchSize, args.img, args.img, 3]);
      const preds = run.model.forward(x, true);
      const opts = { nc: run.dataset.nc, imgSize: args.img, anchors: run.model.anchors, strides: run.model.strides, hyp, labelSmoothing: 0 };
      return computeLoss(preds, batch.targets, opts).loss.dataSync()[0];
    });
  }
  return total;
}

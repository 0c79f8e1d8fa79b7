import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { prepareRun, runTraining, yolov5Trainer } from '../../../../src/trainers/yolov5/index.ts';
import { decodeCheckpoint } from '../../../../src/trainers/yolov5/train/checkpoint.ts';
import { RESULT_KEYS, resultsHeader } from '../../../../src/trainers/yolov5/train/results-csv.ts';
import { lossOnTrainImages, recordingContext, smokeParams, tinyDataset } from './fixtures.ts';

let data: { dir: string; yaml: string };
beforeAll(async () => {
  data = await tinyDataset();
});

describe('yolov5 trainer', () => {
  it('one epoch on a 4-image dataset lowers the loss and reports every results.csv scalar', async () => {
    const rec = recordingContext('smoke', join(data.dir, 'smoke'));
    // 32 image entries in batches of 2: 16 warmup steps (bias lr ~0.1, weight lr rising from 0)
    const run = await prepareRun(smokeParams(data.yaml, { 'args/batch': 2 }), rec.ctx);
    try {
      const before = await lossOnTrainImages(run);
      await runTraining(run, rec.ctx);
      const after = await lossOnTrainImages(run);
      expect(after).toBeLessThan(before * 0.995); // about 1.2% lower, deterministically, on WASM
    } finally {
      await run.dispose();
    }
    expect(rec.logs[0]).toBe('yolov5: TF.js backend wasm');
    expect(rec.environment).toEqual([{ backend: 'wasm' }]);
    expect(rec.reports.map((r) => r.step)).toEqual([0]);
    const scalars = rec.reports[0].scalars;
    // results.csv's columns plus the inference cost (x/params, x/gflops, x/latency_ms).
    const costKeys = ['x/params', 'x/gflops', 'x/latency_ms'];
    expect(Object.keys(scalars).sort()).toEqual([...RESULT_KEYS, ...costKeys].sort());
    for (const k of [...RESULT_KEYS, ...costKeys]) expect(Number.isFinite(scalars[k]), k).toBe(true);
    expect(scalars['x/params']).toBeGreaterThan(0);
    expect(scalars['x/latency_ms']).toBeGreaterThan(0);
    expect(scalars['train/box_loss']).toBeGreaterThan(0);
    // 16 batches: lr at ni = 15 of a 100-iteration warmup
    expect(scalars['x/lr0']).toBeCloseTo(0.1 + (15 / 100) * (0.01 - 0.1), 10);
    expect(scalars['x/lr1']).toBeCloseTo(0.0015, 10);
    expect(scalars['x/lr2']).toBeCloseTo(0.0015, 10);
    const csv = new TextDecoder().decode(rec.artifacts.get('results.csv'));
    expect(csv.split('\n')[0]).toBe(resultsHeader());
    expect(csv.split('\n')[1].split(',')).toHaveLength(14);
    const best = decodeCheckpoint(rec.artifacts.get('best.bin')!, 'best.bin');
    expect(best.optimizer).toBeUndefined();
    expect(best.model).toEqual({ size: 'n', nc: 2, imgSize: 64, names: ['circle', 'square'] });
    expect(decodeCheckpoint(rec.artifacts.get('last.bin')!, 'last.bin').optimizer?.name).toBe('SGD');
    // YOLOv5's plots and debug images: labels before training, three mosaics of the first epoch,
    // the last epoch's validation batch (4 images in one batch), the final figures.
    const images = [...rec.artifacts.keys()].filter((k) => k.startsWith('plots/') || k.startsWith('debug/')).sort();
    expect(images).toEqual(expect.arrayContaining([
      'debug/epoch0/val_batch0_labels.jpg', 'debug/epoch0/val_batch0_pred.jpg',
      'debug/train_batch0.jpg', 'debug/train_batch1.jpg', 'debug/train_batch2.jpg',
      'plots/confusion_matrix.png', 'plots/labels.jpg', 'plots/labels_correlogram.jpg', 'plots/results.png',
    ]));
    expect(images.filter((k) => k.startsWith('debug/train_batch'))).toHaveLength(3);
    expect(rec.logs.filter((l) => l.includes('could not draw'))).toEqual([]);
  });

  it('stops at the epoch boundary on abort with last.bin saved, then resumes from it with flat memory', async () => {
    const workDir = join(data.dir, 'stop');
    const params = smokeParams(data.yaml, { 'args/epochs': 3, 'args/noplots': true, 'args/save_period': 2 });
    const first = recordingContext('stopper', workDir);
    first.setOnReport(() => first.controller.abort()); // a pruner's verdict after epoch 0's report
    await yolov5Trainer.train(params, first.ctx); // returns normally
    expect(first.reports.map((r) => r.step)).toEqual([0]);
    expect(existsSync(join(workDir, 'last.bin'))).toBe(true);
    const last = decodeCheckpoint(first.artifacts.get('last.bin')!, 'last.bin');
    expect(last.epoch).toBe(0);
    expect(first.logs.at(-1)).toBe('yolov5: stop requested; stopped after epoch 0 (last.bin saved)');
    expect([...first.artifacts.keys()].filter((k) => /^(plots|debug)\//.test(k))).toEqual([]); // --noplots

    const second = recordingContext('stopper', workDir, first.store);
    const tensors: number[] = [];
    second.setOnReport(() => tensors.push(tf.memory().numTensors));
    await yolov5Trainer.train({ ...params, 'args/resume': true }, second.ctx);
    expect(second.reports.map((r) => r.step)).toEqual([1, 2]);
    expect(tensors[1]).toBe(tensors[0]);
    expect(second.logs).toContain('yolov5: resuming from last.bin at epoch 1 of 3 (best fitness 0.00000)');
    const csv = readFileSync(join(workDir, 'results.csv'), 'utf8').trimEnd().split('\n');
    expect(csv.map((l) => l.split(',')[0].trim())).toEqual(['epoch', '0', '1', '2']);
    expect(decodeCheckpoint(second.artifacts.get('last.bin')!, 'last.bin').epoch).toBe(2);
    // --save-period 2, as train.py: epochs 0 and 2 (epoch % 2 == 0), each uploaded as it was written.
    expect([...first.artifacts.keys(), ...second.artifacts.keys()].filter((k) => /^epoch\d+\.bin$/.test(k)).sort()).toEqual(['epoch0.bin', 'epoch2.bin']);
    expect(decodeCheckpoint(second.artifacts.get('epoch2.bin')!, 'epoch2.bin').epoch).toBe(2);
  });

  it('starts from another task\'s best.bin and rejects a weights reference it cannot read', async () => {
    const workDir = join(data.dir, 'weights');
    const a = recordingContext('task-a', workDir);
    await yolov5Trainer.train(smokeParams(data.yaml, { 'args/epochs': 1 }), a.ctx);
    const b = recordingContext('task-b', join(data.dir, 'weights'), a.store);
    await yolov5Trainer.train(smokeParams(data.yaml, { 'args/weights': 'task-a/best.bin', 'args/epochs': 1 }), b.ctx);
    expect(b.logs).toContain('yolov5: starting from weights artifact best.bin of task task-a');
    const c = recordingContext('task-c', join(data.dir, 'weights'), a.store);
    await expect(yolov5Trainer.train(smokeParams(data.yaml, { 'args/weights': 'nope/best.bin' }), c.ctx)).rejects.toThrow(
      'args/weights="nope/best.bin": cannot read artifact "best.bin" of task "nope" (no artifact best.bin on task nope)',
    );
    a.store.set('task-bad', new Map([['best.bin', new Uint8Array([1, 2, 3])]]));
    await expect(yolov5Trainer.train(smokeParams(data.yaml, { 'args/weights': 'task-bad/best.bin' }), c.ctx)).rejects.toThrow(
      /^args\/weights="task-bad\/best.bin": cannot load artifact best.bin of task task-bad: model weights: not an hpo YOLOv5 weights file/,
    );
  });

  it('fails with a clear error naming epoch and batch when the loss diverges', async () => {
    const rec = recordingContext('nan', join(data.dir, 'nan'));
    await expect(yolov5Trainer.train(smokeParams(data.yaml, { 'hyp/warmup_bias_lr': 1e30 }), rec.ctx)).rejects.toThrow(
      /^yolov5: loss is (NaN|Infinity) at epoch 0, batch [1-7] of 8 .*training diverged/,
    );
    expect(rec.reports).toEqual([]);
  });

  it('rejects a missing dataset path with the fix', async () => {
    const rec = recordingContext('nodata', data.dir);
    await expect(yolov5Trainer.train({ 'args/backend': 'wasm' }, rec.ctx)).rejects.toThrow(/^args\/data is empty: set it to a dataset yaml/);
  });
});

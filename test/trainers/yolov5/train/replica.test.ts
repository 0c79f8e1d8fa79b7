/**
 * Data-parallel training (`args/replicas`): a replica thread's gradients for a share equal this
 * thread's for the same share and weights, it sums them until they are taken, a share it cannot
 * run fails that step alone, batches split into shares with their own targets, and a run with two
 * replicas trains.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeLoss, type LossOptions } from '../../../../src/trainers/yolov5/loss/loss.ts';
import { createYoloModel, initBackend, type YoloModel } from '../../../../src/trainers/yolov5/model/index.ts';
import { prepareRun, runTraining } from '../../../../src/trainers/yolov5/index.ts';
import { optimizerOrder, splitBatch, startReplica, weightValues, type Replica } from '../../../../src/trainers/yolov5/train/replica.ts';
import { DEFAULT_ANCHORS, DEFAULT_HYP, STRIDES, type Batch } from '../../../../src/trainers/yolov5/types.ts';
import { lossOnTrainImages, recordingContext, smokeParams, tinyDataset } from './fixtures.ts';

const S = 64;
const loss: LossOptions = { nc: 3, imgSize: S, anchors: DEFAULT_ANCHORS, strides: STRIDES, hyp: DEFAULT_HYP, labelSmoothing: 0 };

/** A share of `n` images of seeded noise with a box in each. */
function share(n: number, seed: number): Batch {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const targets = Array.from({ length: n }, (_, i) => [i, i % 3, 0.3 + 0.4 * next(), 0.3 + 0.4 * next(), 0.2 + 0.2 * next(), 0.2 + 0.2 * next()]).flat();
  return { images: Float32Array.from({ length: n * S * S * 3 }, next), batchSize: n, imgSize: S, targets: Float32Array.from(targets), paths: [] };
}

/** This thread's gradients for `b`, in the optimizer's order. */
function localGrads(model: YoloModel, b: Batch): { total: number; grads: Float32Array[] } {
  const vars = optimizerOrder(model);
  const x = tf.tensor4d(b.images, [b.batchSize, S, S, 3]);
  const { value, grads } = tf.variableGrads(() => computeLoss(model.forward(x, true), b.targets, loss).loss, vars);
  const total = value.dataSync()[0];
  const out = vars.map((v) => grads[v.name].dataSync() as Float32Array);
  tf.dispose([x, value, ...Object.values(grads)]);
  return { total, grads: out };
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

let model: YoloModel;
let replica: Replica;
beforeAll(async () => {
  await initBackend('wasm');
  model = createYoloModel({ size: 'n', nc: 3, seed: 3 });
  replica = startReplica({ size: 'n', nc: 3, backend: 'wasm', loss }, 1);
  await replica.ready;
});
afterAll(async () => {
  await replica?.close();
  model?.dispose();
});

describe('yolov5 replicas', () => {
  it("gives this thread's loss and gradients for the same share and weights, and sums them until taken", async () => {
    replica.setWeights(weightValues(optimizerOrder(model)));
    const [a, b] = [share(2, 1), share(3, 2)];
    const [la, lb] = [localGrads(model, a), localGrads(model, b)];
    const stepped = await replica.step(share(2, 1));
    expect(stepped.total).toBeCloseTo(la.total, 4);
    expect(stepped.parts.every(Number.isFinite)).toBe(true);
    await replica.step(share(3, 2));
    const sums = await replica.takeGrads();
    expect(sums).toHaveLength(la.grads.length);
    let worst = 0;
    sums.forEach((g, i) => {
      const want = la.grads[i].map((v, k) => v + lb.grads[i][k]);
      worst = Math.max(worst, maxDiff(g!, want) / Math.max(1e-3, want.reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
    });
    expect(worst, 'largest difference relative to the variable\'s largest gradient').toBeLessThan(1e-4);
    // Taken: the next sums start from nothing, and reset drops what was summed.
    await replica.step(share(2, 1));
    replica.reset();
    await replica.step(share(3, 2));
    const after = await replica.takeGrads();
    expect(maxDiff(after[0]!, lb.grads[0])).toBeLessThan(1e-4 * Math.max(...lb.grads[0].map(Math.abs)) + 1e-7);
  });

  it('runs with the weights it was sent last', async () => {
    const other = createYoloModel({ size: 'n', nc: 3, seed: 4 });
    try {
      replica.setWeights(weightValues(optimizerOrder(other)));
      const b = share(2, 5);
      const stepped = await replica.step(share(2, 5));
      expect(stepped.total).toBeCloseTo(localGrads(other, b).total, 4);
      expect(Math.abs(stepped.total - localGrads(model, b).total)).toBeGreaterThan(1e-3);
      await replica.takeGrads();
    } finally {
      other.dispose();
    }
  });

  it('fails a share it cannot run with the reason, and takes the next one', async () => {
    const bad = share(2, 6);
    bad.targets[1] = 7; // class 7 of 3
    await expect(replica.step(bad)).rejects.toThrow(/replica 1: computeLoss: targets row 0 class is invalid \(received 7\)/);
    await expect(replica.step(share(2, 6))).resolves.toMatchObject({ parts: expect.any(Array) });
    replica.reset();
  });

  it('splits a batch into shares of consecutive images with their own targets', () => {
    const batch = share(8, 9);
    const shares = splitBatch(batch, 3);
    expect(shares.map((s) => s.batchSize)).toEqual([3, 3, 2]);
    const per = S * S * 3;
    expect(shares[1].images).toEqual(batch.images.subarray(3 * per, 6 * per));
    expect(Array.from(shares[2].targets)).toEqual([0, ...batch.targets.subarray(6 * 6 + 1, 6 * 6 + 6), 1, ...batch.targets.subarray(7 * 6 + 1, 7 * 6 + 6)]);
    expect(shares.reduce((n, s) => n + s.targets.length, 0)).toBe(batch.targets.length);
  });

  it('trains a run with two replicas: the loss on the training images goes down and every scalar is reported', async () => {
    const data = await tinyDataset();
    const rec = recordingContext('replicas', join(data.dir, 'replicas'));
    // As the one-thread smoke test: batches of 2, here one image per thread.
    const run = await prepareRun(smokeParams(data.yaml, { 'args/replicas': 2, 'args/batch': 2 }), rec.ctx);
    try {
      expect(run.replicas).toHaveLength(1);
      // Every optimizer step takes the replica's gradient sums (counted on the real replica).
      const replica = run.replicas[0];
      const take = replica.takeGrads.bind(replica);
      let taken = 0;
      replica.takeGrads = async () => {
        const sums = await take();
        if (sums.every((g) => g !== null)) taken += 1;
        return sums;
      };
      const before = await lossOnTrainImages(run);
      await runTraining(run, rec.ctx);
      expect(taken).toBeGreaterThan(0);
      expect(await lossOnTrainImages(run)).toBeLessThan(before * 0.995);
    } finally {
      await run.dispose();
    }
    expect(rec.logs).toContain('yolov5: 2 replicas: each batch of 2 trains in 2 shares at once, gradients summed');
    expect(rec.reports.map((r) => r.step)).toEqual([0]);
    for (const v of Object.values(rec.reports[0].scalars)) expect(Number.isFinite(v)).toBe(true);
  });
});

/**
 * ONNX Runtime in a worker thread, as the server runs it (one thread, no spinning): the outputs
 * equal an in-process session's, the batch buffer moves to the worker and comes back unchanged
 * with the result (so the batcher refills it instead of allocating), a view into a larger
 * array is copied, leaving the caller's array whole, and with two instances more runs than
 * instances at once each get their own outputs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnnxRuntime } from '../../src/serve/runtime/onnx-runtime.ts';
import { createOnnxWorkerRuntime } from '../../src/serve/runtime/onnx-worker-runtime.ts';
import type { DetectorRuntime } from '../../src/serve/runtime/types.ts';
import { randomOnnx } from './random-model.ts';
import { sceneBatch } from './scenes.ts';

const SIZE = 64;
const PER = 3 * SIZE * SIZE;
let local: DetectorRuntime;
let worker: DetectorRuntime;
let pair: DetectorRuntime;

/** `n` synthetic scenes as NCHW floats in [0, 1]. */
const scenes = (seed: string, n: number): Float32Array => sceneBatch(seed, n, SIZE);

beforeAll(async () => {
  const bytes = await randomOnnx(SIZE, 4, 'task-w');
  local = await createOnnxRuntime(bytes, { threads: 1, spinning: false });
  worker = await createOnnxWorkerRuntime(bytes, { threads: 1, spinning: false });
  pair = await createOnnxWorkerRuntime(bytes, { threads: 1, spinning: false, instances: 2 });
});

afterAll(async () => {
  await pair?.dispose();
  await worker?.dispose();
  await local?.dispose();
});

describe('the ONNX worker runtime', () => {
  it('gives the in-process outputs and hands the batch buffer back for the next batch', async () => {
    const first = scenes('first', 3);
    const sent = first.slice();
    const r1 = await worker.run(sent, 3);
    expect(sent.byteLength, 'the buffer moved to the worker').toBe(0);
    expect(r1.input, 'the buffer came back unchanged').toEqual(first);
    expect(r1.data).toEqual((await local.run(first, 3)).data);

    const second = scenes('second', 3);
    r1.input!.set(second);
    const r2 = await worker.run(r1.input!, 3);
    expect(r2.data).toEqual((await local.run(second, 3)).data);
    expect(r2.data).not.toEqual(r1.data);
  });

  it('copies a view into a larger array instead of taking its buffer', async () => {
    const batch = scenes('view', 2);
    const whole = batch.slice();
    const r = await worker.run(batch.subarray(PER, 2 * PER), 1);
    expect(batch, 'the caller\'s array is whole and unchanged').toEqual(whole);
    expect(r.input?.buffer).not.toBe(batch.buffer);
    expect(r.data).toEqual((await local.run(whole.slice(PER), 1)).data);
  });

  it('runs as many batches at once as it has instances; more wait for a free one and get their own outputs', async () => {
    expect(worker.concurrency).toBe(1);
    expect(pair.concurrency).toBe(2);
    const inputs = ['c0', 'c1', 'c2', 'c3', 'c4'].map((seed, k) => scenes(seed, 1 + (k % 3)));
    const results = await Promise.all(inputs.map((x) => pair.run(x.slice(), x.length / PER)));
    for (const [k, x] of inputs.entries()) {
      expect(results[k].input, `batch ${k}'s buffer came back with it`).toEqual(x);
      expect(results[k].data, `batch ${k}`).toEqual((await local.run(x, x.length / PER)).data);
    }
  });

  it('fails a run at once once its workers are gone, instead of waiting for an answer', async () => {
    const runtime = await createOnnxWorkerRuntime(await randomOnnx(SIZE, 4, 'task-gone'), { threads: 1, spinning: false, instances: 2 });
    await runtime.dispose();
    await expect(runtime.run(scenes('gone', 1), 1)).rejects.toThrow(/ONNX worker exited/);
    await expect(runtime.run(scenes('gone', 1), 1)).rejects.toThrow(/ONNX worker exited/);
  });
});

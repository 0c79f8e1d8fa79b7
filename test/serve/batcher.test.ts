/**
 * The dynamic batcher over a real two-instance ONNX Runtime (worker threads): two forward passes
 * run at once when there is work for both, every image gets its own rows (the same as running
 * it alone), a lone image starts at once, and while one forward runs, the next batch goes to the
 * idle instance once it is as large as the running one: not image by image, and without waiting
 * for images still being decoded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamicBatcher, type BatchResult } from '../../src/serve/pipeline/batcher.ts';
import { createOnnxRuntime } from '../../src/serve/runtime/onnx-runtime.ts';
import { createOnnxWorkerRuntime } from '../../src/serve/runtime/onnx-worker-runtime.ts';
import type { DetectorRuntime } from '../../src/serve/runtime/types.ts';
import { randomOnnx } from './random-model.ts';
import { sceneBatch } from './scenes.ts';

const SIZE = 64;
let local: DetectorRuntime;
let pair: DetectorRuntime;

/** One synthetic scene as [3, S, S] floats in [0, 1]. */
const scene = (seed: string): Float32Array => sceneBatch(seed, 1, SIZE);

/** `runtime`, counting the forwards in flight at once (the most seen) and the batch sizes run. */
function counted(runtime: DetectorRuntime): DetectorRuntime & { most: number; sizes: number[] } {
  let now = 0;
  const wrapped = {
    ...runtime,
    most: 0,
    sizes: [] as number[],
    async run(input: Float32Array, n: number) {
      wrapped.most = Math.max(wrapped.most, ++now);
      wrapped.sizes.push(n);
      try {
        return await runtime.run(input, n);
      } finally {
        now--;
      }
    },
  };
  return wrapped;
}

beforeAll(async () => {
  const bytes = await randomOnnx(SIZE, 5, 'task-b');
  local = await createOnnxRuntime(bytes, { threads: 1, spinning: false });
  pair = await createOnnxWorkerRuntime(bytes, { threads: 1, spinning: false, instances: 2 });
});

afterAll(async () => {
  await pair?.dispose();
  await local?.dispose();
});

describe('the dynamic batcher on two instances', () => {
  it('runs two batches at once when there is work for both; each image gets the rows it gets alone', async () => {
    const runtime = counted(pair);
    const batcher = new DynamicBatcher(runtime, { maxBatch: 4, maxWaitMs: 50 });
    const images = Array.from({ length: 12 }, (_, k) => scene(`img-${k}`));
    const results = await Promise.all(images.map((x) => batcher.submit(x.slice())));
    expect(runtime.most, 'two forwards in flight at once').toBe(2);
    expect(runtime.sizes.reduce((a, b) => a + b, 0)).toBe(12);
    expect(Math.max(...runtime.sizes)).toBeLessThanOrEqual(4);
    for (const [k, x] of images.entries()) {
      const alone = await local.run(x, 1);
      expect(results[k].rows, `image ${k}`).toEqual(alone.data);
    }
    await batcher.whenIdle();
    expect(batcher.depth).toBe(0);
  });

  it('starts a lone image at once; while a batch runs, the next goes to the idle instance once it is as large', async () => {
    const runtime = counted(pair);
    // A wait far longer than the test: no batch here goes by the timer.
    const batcher = new DynamicBatcher(runtime, { maxBatch: 16, maxWaitMs: 10_000 });
    const lone: BatchResult = await batcher.submit(scene('lone'));
    expect(lone.batchSize, 'nothing else was running or coming: no wait').toBe(1);
    await batcher.whenIdle(); // its forward has ended: nothing runs
    batcher.expect(3); // three images announced: the batch waits for all three, then starts
    const first = ['f1', 'f2', 'f3'].map((seed) => batcher.submit(scene(seed)));
    // Submitted while the first three run: they wait until they are three, then take the other instance.
    const next = ['n1', 'n2', 'n3'].map((seed) => batcher.submit(scene(seed)));
    expect((await Promise.all(first)).map((r) => r.batchSize)).toEqual([3, 3, 3]);
    expect((await Promise.all(next)).map((r) => r.batchSize), 'one batch of three, not images one by one').toEqual([3, 3, 3]);
    expect(runtime.sizes).toEqual([1, 3, 3]);
    expect(runtime.most, 'the second three ran beside the first').toBe(2);
  });

  it('while a batch runs, the idle instance takes the next once it is as large, without waiting for images still on their way', async () => {
    const runtime = counted(pair);
    const batcher = new DynamicBatcher(runtime, { maxBatch: 16, maxWaitMs: 10_000 });
    batcher.expect(3);
    const first = ['a1', 'a2', 'a3'].map((seed) => batcher.submit(scene(seed)));
    batcher.expect(5); // five more announced: three arrive now, two only later
    const next = ['b1', 'b2', 'b3'].map((seed) => batcher.submit(scene(seed)));
    expect(runtime.sizes, 'the idle instance took the three at once').toEqual([3, 3]);
    const late = ['c1', 'c2'].map((seed) => batcher.submit(scene(seed)));
    await Promise.all([...first, ...next, ...late]);
    expect(runtime.sizes).toEqual([3, 3, 2]);
  });

  it('with one instance, runs one forward at a time', async () => {
    const runtime = counted(local);
    const batcher = new DynamicBatcher(runtime, { maxBatch: 2, maxWaitMs: 0 });
    await Promise.all(Array.from({ length: 6 }, (_, k) => batcher.submit(scene(`one-${k}`))));
    expect(runtime.most).toBe(1);
  });
});

import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preloadBatchThread, startBatchThread, takeBatchThread } from '../../../../src/trainers/yolov5/data/batch-thread.ts';
import { DatasetError } from '../../../../src/trainers/yolov5/data/errors.ts';
import { openImageSet, type ImageSet } from '../../../../src/trainers/yolov5/data/image-set.ts';
import { createBatches, type BatchBuilder, type BatchOptions } from '../../../../src/trainers/yolov5/data/loader.ts';
import { DEFAULT_HYP, type Batch } from '../../../../src/trainers/yolov5/types.ts';
import { join, labelLine, rectImage, removeTempDirs, tempDir, writeImage, writeText } from './fixtures.ts';

let set: ImageSet;
let dir: string;

beforeAll(async () => {
  dir = await tempDir();
  for (let i = 0; i < 9; i++) {
    const rect: [number, number, number, number] = [4 + i, 6, 30 + i, 28];
    await writeImage(join(dir, 'images', `${i}.png`), rectImage(56 + 4 * i, 48, [rect]));
    await writeText(join(dir, 'labels', `${i}.txt`), `${labelLine(i % 2, rect, 56 + 4 * i, 48)}\n`);
  }
  set = await openImageSet(join(dir, 'images'), { nc: 2 });
});
afterAll(removeTempDirs);

const OPTS: BatchOptions = { imgSize: 64, batchSize: 4, hyp: { ...DEFAULT_HYP, mixup: 0.5 }, augment: true, shuffle: true, seed: 'run:2', cache: true };

function openThread(s: ImageSet) {
  const thread = startBatchThread();
  thread.open(s);
  return thread;
}

async function collect(s: ImageSet, builder?: BatchBuilder): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of createBatches(s, OPTS, builder)) out.push(b);
  return out;
}

describe('startBatchThread', () => {
  it('builds the same batches byte for byte as this thread, in the worker', async () => {
    const thread = openThread(set);
    try {
      expect(await thread.ready).toBe(true);
      const here = await collect(set);
      const there = await collect(set, thread.build);
      expect(thread.built).toEqual({ thread: 3, here: 0 });
      expect(there.map((b) => b.paths)).toEqual(here.map((b) => b.paths));
      there.forEach((b, i) => {
        expect(b.batchSize).toBe(here[i].batchSize);
        expect(b.images).toEqual(here[i].images);
        expect(b.targets).toEqual(here[i].targets);
      });
    } finally {
      await thread.close();
    }
  });

  it('takes builds while it is still loading its modules, and builds here after it is closed', async () => {
    const thread = startBatchThread();
    thread.open(set);
    const there = await thread.build([0, 1], 0, OPTS); // at once: the thread is still loading its modules
    expect(thread.built).toEqual({ thread: 1, here: 0 });
    await thread.close();
    expect(await thread.ready).toBe(true);
    const again = await thread.build([0, 1], 0, OPTS);
    expect(thread.built).toEqual({ thread: 1, here: 1 });
    expect(again.images).toEqual(there.images);
    expect(again.targets).toEqual(there.targets);
  });

  it('refuses a build before open and a second open', async () => {
    const thread = startBatchThread();
    try {
      expect(() => thread.build([0], 0, OPTS)).toThrow('batch thread: open(set) must come before build()');
      thread.open(set);
      expect(() => thread.open(set)).toThrow('batch thread: open() was already called');
    } finally {
      await thread.close();
    }
  });

  it('rejects with the DatasetError of an image that cannot be decoded', async () => {
    const d = await tempDir();
    const file = join(d, 'images', 'cut.jpg');
    await writeImage(file, rectImage(64, 64, [[5, 5, 40, 40]]), 'jpeg');
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const broken = await openImageSet(join(d, 'images'), { nc: 1 });
    const thread = openThread(broken);
    try {
      expect(await thread.ready).toBe(true);
      const failure = thread.build([0], 0, { ...OPTS, augment: false, shuffle: false });
      await expect(failure).rejects.toBeInstanceOf(DatasetError);
      await expect(failure).rejects.toThrow(`Cannot decode image ${file}: VipsJpeg: premature end of JPEG image`);
    } finally {
      await thread.close();
    }
  });

  it('hands a preloaded thread, modules loaded, to the next run, and ends it when the run wants none', async () => {
    const notYet = Symbol('not yet');
    const settledNow = <T>(p: Promise<T>) => Promise.race([p, new Promise<typeof notYet>((r) => setImmediate(() => r(notYet)))]);
    expect(await preloadBatchThread()).toBe(true);
    const taken = takeBatchThread(true)!;
    try {
      expect(await settledNow(taken.ready)).toBe(true); // the preloaded one: a new thread needs ~0.2 s to load
      taken.open(set);
      await taken.build([0, 1], 0, OPTS);
      expect(taken.built).toEqual({ thread: 1, here: 0 });
    } finally {
      await taken.close();
    }
    const fresh = takeBatchThread(true)!; // taken once only: the next run starts its own
    try {
      expect(await settledNow(fresh.ready)).toBe(notYet);
    } finally {
      await fresh.close();
    }
    await preloadBatchThread();
    expect(takeBatchThread(false)).toBeUndefined();
    const afterNone = takeBatchThread(true)!;
    try {
      expect(await settledNow(afterNone.ready)).toBe(notYet);
    } finally {
      await afterNone.close();
    }
  });
});

describe('warmUpBatchCode', () => {
  it('builds augmented batches from images in memory', async () => {
    const { warmUpBatchCode } = await import('../../../../src/trainers/yolov5/data/warm-up.ts');
    const batch = await warmUpBatchCode();
    expect([batch.batchSize, batch.imgSize, batch.images.length]).toEqual([4, 64, 4 * 64 * 64 * 3]);
    expect(batch.images.every((v) => v >= 0 && v <= 1)).toBe(true);
    // Four gray levels, mosaicked and HSV-jittered: far from one flat image.
    expect(new Set(Array.from(batch.images, (v) => Math.round(v * 255))).size).toBeGreaterThan(4);
  });
});

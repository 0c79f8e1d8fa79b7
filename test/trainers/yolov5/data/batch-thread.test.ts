import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBatchThread } from '../../../../src/trainers/yolov5/data/batch-thread.ts';
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

async function collect(s: ImageSet, builder?: BatchBuilder): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of createBatches(s, OPTS, builder)) out.push(b);
  return out;
}

describe('startBatchThread', () => {
  it('builds the same batches byte for byte as this thread, in the worker once it is ready', async () => {
    const thread = startBatchThread(set);
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

  it('builds here before the thread is ready and after it is closed', async () => {
    const thread = startBatchThread(set);
    const first = await thread.build([0, 1], 0, OPTS); // at once: the thread is still loading its modules
    expect(thread.built.here).toBe(1);
    await thread.close();
    expect(await thread.ready).toBe(false);
    const again = await thread.build([0, 1], 0, OPTS);
    expect(thread.built).toEqual({ thread: 0, here: 2 });
    expect(again.images).toEqual(first.images);
  });

  it('rejects with the DatasetError of an image that cannot be decoded', async () => {
    const d = await tempDir();
    const file = join(d, 'images', 'cut.jpg');
    await writeImage(file, rectImage(64, 64, [[5, 5, 40, 40]]), 'jpeg');
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const broken = await openImageSet(join(d, 'images'), { nc: 1 });
    const thread = startBatchThread(broken);
    try {
      expect(await thread.ready).toBe(true);
      const failure = thread.build([0], 0, { ...OPTS, augment: false, shuffle: false });
      await expect(failure).rejects.toBeInstanceOf(DatasetError);
      await expect(failure).rejects.toThrow(`Cannot decode image ${file}: VipsJpeg: premature end of JPEG image`);
    } finally {
      await thread.close();
    }
  });
});

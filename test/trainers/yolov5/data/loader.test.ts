import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatches, type BatchOptions } from '../../../../src/trainers/yolov5/data/loader.ts';
import { openImageSet, type ImageSet } from '../../../../src/trainers/yolov5/data/image-set.ts';
import type { Batch } from '../../../../src/trainers/yolov5/types.ts';
import { DEFAULT_HYP } from '../../../../src/trainers/yolov5/types.ts';
import { boxError, join, labelLine, rectImage, redBox, removeTempDirs, tempDir, toPixels, writeImage, writeText } from './fixtures.ts';

let set: ImageSet;
const COUNT = 11;

beforeAll(async () => {
  const dir = await tempDir();
  for (let i = 0; i < COUNT; i++) {
    const w = 48 + 8 * (i % 4), h = 64 - 4 * (i % 3);
    const rect: [number, number, number, number] = [4 + i, 6 + (i % 5), 24 + i, 30 + (i % 5)];
    await writeImage(join(dir, 'images', `${String(i).padStart(2, '0')}.png`), rectImage(w, h, [rect]));
    // Image 7 is a background image (no label file and no rectangle would be wrong: keep the rectangle, drop the label).
    if (i !== 7) await writeText(join(dir, 'labels', `${String(i).padStart(2, '0')}.txt`), `${labelLine(0, rect, w, h)}\n`);
  }
  set = await openImageSet(join(dir, 'images'), { nc: 1 });
});
afterAll(removeTempDirs);

async function collect(opts: Partial<BatchOptions>): Promise<Batch[]> {
  const batches: Batch[] = [];
  const full: BatchOptions = { imgSize: 64, batchSize: 4, hyp: DEFAULT_HYP, augment: true, shuffle: true, seed: 1, cache: false, ...opts };
  for await (const b of createBatches(set, full)) batches.push(b);
  return batches;
}

describe('createBatches', () => {
  it('gives the same batches for the same seed and different ones for another seed', async () => {
    const a = await collect({ seed: 'run:0' });
    const b = await collect({ seed: 'run:0', cache: true });
    const c = await collect({ seed: 'run:1' });
    expect(a.map((x) => x.paths)).toEqual(b.map((x) => x.paths));
    a.forEach((batch, i) => {
      expect(batch.images).toEqual(b[i].images);
      expect(batch.targets).toEqual(b[i].targets);
    });
    expect(a.map((x) => x.paths)).not.toEqual(c.map((x) => x.paths));
    expect(a[0].images).not.toEqual(c[0].images);
  });

  it('keeps the last partial batch and shapes images and targets per the contract', async () => {
    const batches = await collect({ seed: 3 });
    expect(batches.map((b) => b.batchSize)).toEqual([4, 4, 3]);
    expect(new Set(batches.flatMap((b) => b.paths)).size).toBe(COUNT);
    for (const b of batches) {
      expect(b.images.length).toBe(b.batchSize * 64 * 64 * 3);
      expect(b.imgSize).toBe(64);
      expect(b.targets.length % 6).toBe(0);
      for (let r = 0; r < b.targets.length; r += 6) {
        expect(Number.isInteger(b.targets[r]) && b.targets[r] >= 0 && b.targets[r] < b.batchSize).toBe(true);
        for (let k = 2; k < 6; k++) expect(b.targets[r + k]).toBeGreaterThanOrEqual(0);
        for (let k = 2; k < 6; k++) expect(b.targets[r + k]).toBeLessThanOrEqual(1);
      }
    }
    expect(Math.max(...batches[0].images)).toBeLessThanOrEqual(1);
  });

  it('augmented targets sit on the red rectangles of their own image in the batch', async () => {
    let checked = 0;
    // Default geometry, both flips; milder HSV so that "red" stays recognisable for the check.
    const hyp = { ...DEFAULT_HYP, hsv_s: 0.2, hsv_v: 0.2, flipud: 0.5 };
    for (const seed of [5, 6, 7]) {
      for (const b of await collect({ seed, hyp })) {
        for (let r = 0; r < b.targets.length; r += 6) {
          const img = b.targets[r];
          const pixels = b.images.subarray(img * 64 * 64 * 3, (img + 1) * 64 * 64 * 3);
          const box = toPixels(b.targets.subarray(r + 2, r + 6), 64);
          const found = redBox(pixels, 64, 64, [box[0] - 3, box[1] - 3, box[2] + 3, box[3] + 3], 255);
          expect(found).toBeDefined();
          expect(boxError(found!.box, box)).toBeLessThanOrEqual(1.5);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('validation: file order, letterbox only, exact boxes, a background image has no targets', async () => {
    const batches = await collect({ augment: false, shuffle: false, seed: 0 });
    expect(batches.flatMap((b) => b.paths)).toEqual(set.files);
    const again = await collect({ augment: false, shuffle: false, seed: 99 });
    expect(again[1].images).toEqual(batches[1].images);
    const second = batches[1]; // images 4..7
    const imagesWithTargets = new Set<number>();
    for (let r = 0; r < second.targets.length; r += 6) imagesWithTargets.add(second.targets[r]);
    expect([...imagesWithTargets].sort()).toEqual([0, 1, 2]); // image 7 (index 3 here) is a background
    for (let r = 0; r < second.targets.length; r += 6) {
      const img = second.targets[r];
      const pixels = second.images.subarray(img * 64 * 64 * 3, (img + 1) * 64 * 64 * 3);
      const found = redBox(pixels, 64, 64, [0, 0, 64, 64], 255)!;
      expect(boxError(found.box, toPixels(second.targets.subarray(r + 2, r + 6), 64))).toBeLessThanOrEqual(1);
    }
  });

  it('rejects bad options with the field, value and rule', () => {
    expect(() => createBatches(set, { imgSize: 100, batchSize: 4, hyp: DEFAULT_HYP, augment: false, shuffle: false, seed: 0, cache: false })).toThrow(
      'Invalid batch options:\n  ✖ must be a multiple of 32 (the largest stride) (received 100)\n    → at imgSize',
    );
    expect(() => createBatches(set, { imgSize: 64, batchSize: 0, hyp: DEFAULT_HYP, augment: false, shuffle: false, seed: 0, cache: false })).toThrow(
      '→ at batchSize',
    );
  });
});

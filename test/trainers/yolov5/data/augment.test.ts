import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../../../src/core/index.ts';
import { betaSample, flipLeftRight, flipUpDown, loadTrainSample, mixup } from '../../../../src/trainers/yolov5/data/augment.ts';
import { applyHsvGains } from '../../../../src/trainers/yolov5/data/hsv.ts';
import { openImageSet, type ImageSet } from '../../../../src/trainers/yolov5/data/image-set.ts';
import { DEFAULT_HYP, type Hyp } from '../../../../src/trainers/yolov5/types.ts';
import { boxError, join, labelLine, rectImage, redBox, removeTempDirs, tempDir, toPixels, writeImage, writeText } from './fixtures.ts';

/** No augmentation at all; tests switch on one thing at a time. */
const NONE: Hyp = { ...DEFAULT_HYP, hsv_h: 0, hsv_s: 0, hsv_v: 0, degrees: 0, translate: 0, scale: 0, shear: 0, perspective: 0, flipud: 0, fliplr: 0, mosaic: 0, mixup: 0 };

let set: ImageSet;
/** Image sizes and the one red rectangle of each (pixels, exclusive ends). */
const FIXTURES: { w: number; h: number; rect: [number, number, number, number] }[] = [
  { w: 64, h: 64, rect: [8, 10, 30, 28] },
  { w: 96, h: 64, rect: [50, 20, 90, 50] },
  { w: 48, h: 80, rect: [10, 40, 40, 70] },
  { w: 64, h: 64, rect: [20, 20, 44, 44] },
];

beforeAll(async () => {
  const dir = await tempDir();
  for (const [i, f] of FIXTURES.entries()) {
    await writeImage(join(dir, 'images', `${i}.png`), rectImage(f.w, f.h, [f.rect]));
    await writeText(join(dir, 'labels', `${i}.txt`), `${labelLine(0, f.rect, f.w, f.h)}\n`);
  }
  set = await openImageSet(join(dir, 'images'), { nc: 1 });
});
afterAll(removeTempDirs);

/** Checks every label box of a sample against the red pixels near it; returns how many were checked. */
function expectAligned(data: Uint8Array, size: number, labels: number[], tolerance: number): number {
  for (let k = 0; k < labels.length; k += 5) {
    const box = toPixels(labels.slice(k + 1, k + 5), size);
    const region = [box[0] - 3, box[1] - 3, box[2] + 3, box[3] + 3] as [number, number, number, number];
    const found = redBox(data, size, size, region);
    expect(found, `no red pixels near label box ${box.map((v) => v.toFixed(1))}`).toBeDefined();
    expect(boxError(found!.box, box)).toBeLessThanOrEqual(tolerance);
  }
  return labels.length / 5;
}

describe('flips', () => {
  it('fliplr moves the box with the pixels (and actually flips)', async () => {
    const plain = await loadTrainSample(set, 0, 64, NONE, createRng(1), false);
    const flipped = await loadTrainSample(set, 0, 64, { ...NONE, fliplr: 1 }, createRng(1), false);
    expect(redBox(plain.image.data, 64, 64)!.box).toEqual([8, 10, 30, 28]);
    expect(redBox(flipped.image.data, 64, 64)!.box).toEqual([34, 10, 56, 28]);
    expectAligned(flipped.image.data, 64, flipped.labels, 1e-3);
  });

  it('flipud moves the box with the pixels', async () => {
    const flipped = await loadTrainSample(set, 1, 64, { ...NONE, flipud: 1 }, createRng(1), false);
    // 96x64 resized to 64x42 (long side 64), letterboxed with 11 px on top.
    expect(redBox(flipped.image.data, 64, 64)!.box[1]).toBeGreaterThan(64 - 11 - 42 * (50 / 64) - 2);
    expectAligned(flipped.image.data, 64, flipped.labels, 1.5);
  });

  it('flip functions are involutions', () => {
    const image = rectImage(7, 5, [[1, 1, 3, 4]]);
    const copy = image.data.slice();
    flipLeftRight(image);
    expect(image.data).not.toEqual(copy);
    flipLeftRight(image);
    flipUpDown(image);
    flipUpDown(image);
    expect(image.data).toEqual(copy);
  });
});

describe('HSV', () => {
  it('unit gains leave colours unchanged (up to rounding)', () => {
    const image = rectImage(16, 16, [[2, 2, 9, 9]]);
    for (let i = 0; i < image.data.length; i++) image.data[i] = (i * 37) % 256;
    const before = image.data.slice();
    applyHsvGains(image, 1, 1, 1);
    const diff = Math.max(...Array.from(image.data, (v, i) => Math.abs(v - before[i])));
    expect(diff).toBeLessThanOrEqual(3);
  });

  it('scales value and saturation and rotates hue', () => {
    const image = { data: Uint8Array.of(200, 100, 50, 200, 100, 50, 255, 0, 0), width: 3, height: 1 };
    applyHsvGains(image, 1, 1, 0.5);
    expect(Array.from(image.data.subarray(0, 3))).toEqual([100, 50, 25]);
    applyHsvGains(image, 1, 0, 1); // no saturation: gray at the value
    expect(Array.from(image.data.subarray(3, 6))).toEqual([100, 100, 100]);
    const red = { data: Uint8Array.of(255, 0, 0), width: 1, height: 1 };
    applyHsvGains(red, 1, 1, 1);
    const green = { data: Uint8Array.of(0, 255, 0), width: 1, height: 1 };
    applyHsvGains(green, 2, 1, 1); // hue 60 (OpenCV units) doubles to 120: blue
    expect(Array.from(green.data)).toEqual([0, 0, 255]);
    expect(Array.from(red.data)).toEqual([255, 0, 0]);
  });

  it('changes colours but not geometry: the label box still matches the (recoloured) rectangle', async () => {
    const hyp = { ...NONE, hsv_h: 0.015, hsv_s: 0.2, hsv_v: 0.2 };
    const plain = await loadTrainSample(set, 3, 64, NONE, createRng(5), false);
    const sample = await loadTrainSample(set, 3, 64, hyp, createRng(5), false);
    expect(sample.image.data).not.toEqual(plain.image.data);
    expect(sample.labels).toEqual(plain.labels);
    // Hue moves at most 0.015 * 180 = 2.7 of 180 and saturation keeps >= 80 %: red stays red.
    expect(redBox(sample.image.data, 64, 64)?.box).toEqual([20, 20, 44, 44]);
    expectAligned(sample.image.data, 64, sample.labels, 1e-3);
  });
});

describe('mosaic and perspective through loadTrainSample', () => {
  it('mosaic with default geometry keeps every surviving label on its red rectangle', async () => {
    const hyp = { ...NONE, mosaic: 1, translate: 0.1, scale: 0.5 };
    let checked = 0;
    for (let seed = 0; seed < 20; seed++) {
      const sample = await loadTrainSample(set, seed % 4, 64, hyp, createRng(seed), false);
      checked += expectAligned(sample.image.data, 64, sample.labels, 1.5);
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('rotated and sheared single images keep their label on the rectangle', async () => {
    const hyp = { ...NONE, degrees: 20, shear: 5, scale: 0.2, translate: 0.1 };
    let checked = 0;
    for (let seed = 0; seed < 12; seed++) {
      const sample = await loadTrainSample(set, seed % 4, 64, hyp, createRng(seed), false);
      checked += expectAligned(sample.image.data, 64, sample.labels, 1.5);
    }
    expect(checked).toBeGreaterThan(8);
  });
});

describe('mixup', () => {
  it('blends pixels with ratio r and truncates like uint8', () => {
    const a = { data: Uint8Array.of(200, 0, 101), width: 1, height: 1 };
    mixup(a, { data: Uint8Array.of(100, 255, 100), width: 1, height: 1 }, 0.25);
    expect(Array.from(a.data)).toEqual([125, 191, 100]);
  });

  it('draws Beta(32, 32): mean 0.5, sd sqrt(1/260)', () => {
    const rng = createRng(9);
    const xs = Array.from({ length: 4000 }, () => betaSample(rng, 32, 32));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    expect(mean).toBeCloseTo(0.5, 2);
    expect(sd).toBeGreaterThan(0.058);
    expect(sd).toBeLessThan(0.066);
  });

  it('mixup sample concatenates the labels of both mosaics', async () => {
    const hyp = { ...NONE, mosaic: 1, mixup: 1 };
    const plain = await loadTrainSample(set, 0, 64, { ...hyp, mixup: 0 }, createRng(2), false);
    const mixed = await loadTrainSample(set, 0, 64, hyp, createRng(2), false);
    expect(mixed.labels.slice(0, plain.labels.length)).toEqual(plain.labels);
    expect(mixed.labels.length).toBeGreaterThan(plain.labels.length);
  });
});

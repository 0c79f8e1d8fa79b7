import { describe, expect, it } from 'vitest';
import { createRng } from '../../../../src/core/index.ts';
import { toNormalized } from '../../../../src/trainers/yolov5/data/augment.ts';
import { labelsToLetterbox, letterbox } from '../../../../src/trainers/yolov5/data/letterbox.ts';
import { invert, isBoxCandidate, multiply, randomWarp, warpBoxes, warpImage } from '../../../../src/trainers/yolov5/data/warp.ts';
import { boxError, rectImage, redBox, toPixels } from './fixtures.ts';

const rect: [number, number, number, number] = [30, 12, 70, 40];

/** Normalized label row (class 0) of `rect` in a w x h image. */
function labelRow(w: number, h: number): Float32Array {
  const [x1, y1, x2, y2] = rect;
  return Float32Array.of(0, (x1 + x2) / 2 / w, (y1 + y2) / 2 / h, (x2 - x1) / w, (y2 - y1) / h);
}

describe('letterbox', () => {
  it('pads a pre-resized image with gray 114 around the centre and keeps the label on the pixels', () => {
    const image = rectImage(128, 64, [rect]);
    const { image: out, placement } = letterbox(image, 128);
    expect(placement).toEqual({ scale: 1, left: 0, top: 32, width: 128, height: 64 });
    expect(Array.from(out.data.subarray(0, 3))).toEqual([114, 114, 114]);
    expect(Array.from(out.data.subarray((127 * 128 + 127) * 3, (127 * 128 + 128) * 3))).toEqual([114, 114, 114]);
    const label = toNormalized(labelsToLetterbox(labelRow(128, 64), placement), 128);
    expect(redBox(out.data, 128, 128)!.box).toEqual([30, 44, 70, 72]);
    expect(boxError(toPixels(label.slice(1), 128), [30, 44, 70, 72])).toBeLessThan(1e-4);
  });

  it('resamples an image of another size and the label still covers the same pixels', () => {
    const image = rectImage(100, 50, [rect]);
    const { image: out, placement } = letterbox(image, 64);
    expect(placement).toEqual({ scale: 0.64, left: 0, top: 16, width: 64, height: 32 });
    const label = toPixels(toNormalized(labelsToLetterbox(labelRow(100, 50), placement), 64).slice(1), 64);
    const found = redBox(out.data, 64, 64)!.box;
    expect(boxError(found, label)).toBeLessThanOrEqual(1);
  });

  it('splits odd padding as YOLOv5 does (extra pixel at the bottom)', () => {
    expect(letterbox(rectImage(64, 33, []), 64).placement.top).toBe(15);
  });
});

describe('random perspective', () => {
  it('inverts matrices', () => {
    const { m } = randomWarp(createRng(3), { degrees: 30, translate: 0.2, scale: 0.5, shear: 10, perspective: 0.001 }, 64, 64, 64, 64);
    const product = multiply(m, invert(m));
    product.forEach((v, i) => expect(v).toBeCloseTo(i % 4 === 0 ? 1 : 0, 9));
  });

  it('moves the label box with the pixels under rotation, shear, scale, translation and perspective', () => {
    const hyp = { degrees: 25, translate: 0.1, scale: 0.3, shear: 5, perspective: 0.0005 };
    let checked = 0;
    for (let seed = 0; seed < 12; seed++) {
      const image = rectImage(100, 100, [rect]);
      const { m, scale } = randomWarp(createRng(seed), hyp, 100, 100, 100, 100);
      const out = warpImage(image, m, 100, 100);
      const boxes = warpBoxes([0, ...rect], m, scale, 100, 100);
      if (boxes.length === 0) continue;
      const found = redBox(out.data, 100, 100)!.box;
      // A rotated rectangle's pixel extent is the box of its corners; bilinear edges cost <= 1.5 px.
      expect(boxError(found, boxes.slice(1))).toBeLessThanOrEqual(1.5);
      checked++;
    }
    expect(checked).toBeGreaterThan(8);
  });

  it('has no sub-pixel drift: the red centre of mass lands on the mapped rectangle centre', () => {
    const hyp = { degrees: 30, translate: 0.1, scale: 0.3, shear: 5, perspective: 0 };
    let checked = 0;
    for (let seed = 0; seed < 6; seed++) {
      const image = rectImage(100, 100, [rect]);
      const { m } = randomWarp(createRng(seed), hyp, 100, 100, 100, 100);
      const out = warpImage(image, m, 100, 100);
      let sum = 0, sx = 0, sy = 0;
      for (let y = 0; y < 100; y++) {
        for (let x = 0; x < 100; x++) {
          const o = (y * 100 + x) * 3;
          const weight = Math.max(0, out.data[o] - out.data[o + 1] - 10); // 0 on gray, 200 on red
          sum += weight; sx += weight * (x + 0.5); sy += weight * (y + 0.5);
        }
      }
      const cx = (rect[0] + rect[2]) / 2, cy = (rect[1] + rect[3]) / 2;
      const ex = m[0] * cx + m[1] * cy + m[2], ey = m[3] * cx + m[4] * cy + m[5];
      if (ex < 25 || ex > 75 || ey < 25 || ey > 75) continue; // partly outside: centroid biased
      expect(Math.abs(sx / sum - ex)).toBeLessThan(0.2);
      expect(Math.abs(sy / sum - ey)).toBeLessThan(0.2);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });

  it('fills uncovered destination pixels with gray 114', () => {
    const image = rectImage(50, 50, []);
    const shrink = Float64Array.of(0.5, 0, 0, 0, 0.5, 0, 0, 0, 1);
    const out = warpImage(image, shrink, 50, 50);
    expect(Array.from(out.data.subarray((49 * 50 + 49) * 3, (49 * 50 + 50) * 3))).toEqual([114, 114, 114]);
    expect(Array.from(out.data.subarray(0, 3))).toEqual([60, 70, 90]);
  });
});

describe('box candidates', () => {
  it('keeps boxes larger than 2 px, with > 10 % of the scaled original area and aspect < 20', () => {
    expect(isBoxCandidate(10, 10, 9, 9)).toBe(true);
    expect(isBoxCandidate(10, 10, 2, 30)).toBe(false); // side not > 2 px
    expect(isBoxCandidate(100, 100, 40, 24)).toBe(false); // 9.6 % of the area
    expect(isBoxCandidate(100, 100, 40, 26)).toBe(true); // 10.4 %
    expect(isBoxCandidate(100, 10, 100, 4.9)).toBe(false); // aspect 20.4
    expect(isBoxCandidate(100, 10, 100, 5.1)).toBe(true); // aspect 19.6
  });

  it('drops a box pushed out of the image and clips one pushed half out', () => {
    const shift = Float64Array.of(1, 0, 45, 0, 1, 0, 0, 0, 1);
    const kept = warpBoxes([0, 10, 10, 20, 20, 1, 40, 40, 60, 60], shift, 1, 80, 80);
    expect(kept).toEqual([0, 55, 10, 65, 20]);
    const half = warpBoxes([1, 20, 40, 40, 60], shift, 1, 80, 80);
    expect(half).toEqual([1, 65, 40, 80, 60]);
  });
});

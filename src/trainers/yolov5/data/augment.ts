/**
 * One training / validation sample, composed as YOLOv5's LoadImagesAndLabels.__getitem__:
 * mosaic (probability hyp.mosaic, then mixup with probability hyp.mixup) or letterbox + random
 * perspective; then HSV, flip up-down, flip left-right. Validation is letterbox only.
 */
import { normal, type Rng } from '../../../core/index.ts';
import type { Hyp } from '../types.ts';
import { augmentHsv } from './hsv.ts';
import type { ImageSet } from './image-set.ts';
import type { RgbImage } from './image.ts';
import { labelsToLetterbox, letterbox } from './letterbox.ts';
import { loadMosaic } from './mosaic.ts';
import { randomWarp, warpBoxes, warpImage, type PixelBoxes } from './warp.ts';

/** A size x size sample with labels as flat (class, cx, cy, w, h) rows normalized to it. */
export interface Sample {
  image: RgbImage;
  labels: number[];
}

/** A validation sample: the image letterboxed, no randomness. */
export async function loadValSample(set: ImageSet, index: number, size: number, cache: boolean): Promise<Sample> {
  const { image, placement } = letterbox(await set.load(index, size, cache), size);
  return { image, labels: toNormalized(labelsToLetterbox(set.labels[index], placement), size) };
}

/** A training sample with every augmentation of `hyp`; all randomness comes from `rng`. */
export async function loadTrainSample(set: ImageSet, index: number, size: number, hyp: Hyp, rng: Rng, cache: boolean): Promise<Sample> {
  let image: RgbImage;
  let boxes: PixelBoxes;
  if (rng() < hyp.mosaic) {
    ({ image, boxes } = await loadMosaic(set, index, size, hyp, rng, cache));
    if (rng() < hyp.mixup) {
      const other = await loadMosaic(set, Math.floor(rng() * set.files.length), size, hyp, rng, cache);
      mixup(image, other.image, betaSample(rng, 32, 32));
      boxes = boxes.concat(other.boxes);
    }
  } else {
    const boxed = letterbox(await set.load(index, size, cache), size);
    const { m, scale } = randomWarp(rng, hyp, size, size, size, size);
    image = isIdentity(m) ? boxed.image : warpImage(boxed.image, m, size, size);
    boxes = warpBoxes(labelsToLetterbox(set.labels[index], boxed.placement), m, scale, size, size);
  }
  const labels = toNormalized(boxes, size);
  augmentHsv(image, rng, hyp.hsv_h, hyp.hsv_s, hyp.hsv_v);
  if (rng() < hyp.flipud) {
    flipUpDown(image);
    for (let k = 2; k < labels.length; k += 5) labels[k] = 1 - labels[k];
  }
  if (rng() < hyp.fliplr) {
    flipLeftRight(image);
    for (let k = 1; k < labels.length; k += 5) labels[k] = 1 - labels[k];
  }
  return { image, labels };
}

/** Pixel (class, x1, y1, x2, y2) -> normalized (class, cx, cy, w, h), clipped as YOLOv5 clips (eps 1e-3). */
export function toNormalized(boxes: PixelBoxes, size: number, eps = 1e-3): number[] {
  const out: number[] = [];
  const hi = size - eps;
  for (let k = 0; k < boxes.length; k += 5) {
    const x1 = Math.min(Math.max(boxes[k + 1], 0), hi), y1 = Math.min(Math.max(boxes[k + 2], 0), hi);
    const x2 = Math.min(Math.max(boxes[k + 3], 0), hi), y2 = Math.min(Math.max(boxes[k + 4], 0), hi);
    out.push(boxes[k], (x1 + x2) / 2 / size, (y1 + y2) / 2 / size, (x2 - x1) / size, (y2 - y1) / size);
  }
  return out;
}

/** Mirrors the image horizontally in place. */
export function flipLeftRight(image: RgbImage): void {
  const { data, width, height } = image;
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    for (let a = row, b = row + (width - 1) * 3; a < b; a += 3, b -= 3) {
      const r = data[a], g = data[a + 1], bl = data[a + 2];
      data[a] = data[b]; data[a + 1] = data[b + 1]; data[a + 2] = data[b + 2];
      data[b] = r; data[b + 1] = g; data[b + 2] = bl;
    }
  }
}

/** Mirrors the image vertically in place. */
export function flipUpDown(image: RgbImage): void {
  const { data, width, height } = image;
  const stride = width * 3;
  const tmp = new Uint8Array(stride);
  for (let a = 0, b = height - 1; a < b; a++, b--) {
    tmp.set(data.subarray(a * stride, (a + 1) * stride));
    data.copyWithin(a * stride, b * stride, (b + 1) * stride);
    data.set(tmp, b * stride);
  }
}

/** MixUp (YOLOv5): image = trunc(image * r + other * (1 - r)), in place. */
export function mixup(image: RgbImage, other: RgbImage, r: number): void {
  const a = image.data, b = other.data;
  for (let i = 0; i < a.length; i++) a[i] = a[i] * r + b[i] * (1 - r);
}

/** Beta(a, b) as X / (X + Y) of two gamma draws (Marsaglia-Tsang, valid for shape >= 1). */
export function betaSample(rng: Rng, a: number, b: number): number {
  const x = gammaSample(rng, a);
  return x / (x + gammaSample(rng, b));
}

function gammaSample(rng: Rng, shape: number): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normal(rng);
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    const u = rng();
    if (u > 0 && Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

function isIdentity(m: Float64Array): boolean {
  return m.every((v, i) => Math.abs(v - (i % 4 === 0 ? 1 : 0)) < 1e-12);
}

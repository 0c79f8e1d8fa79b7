/**
 * YOLOv5's 4-image mosaic (utils/dataloaders.py load_mosaic): four images (the requested one and
 * three random ones, shuffled) tiled around a random centre of a 2S x 2S gray canvas, labels moved
 * with them and clipped to the canvas, then random_perspective with a -S/2 border crops back to S x S.
 */
import type { Rng } from '../../../core/index.ts';
import type { ImageSet } from './image-set.ts';
import type { RgbImage } from './image.ts';
import { randomWarp, warpBoxes, warpImage, type PixelBoxes, type WarpHyp } from './warp.ts';

/** Builds one mosaic sample of size x size; returns the image and its labels in pixels. */
export async function loadMosaic(
  set: ImageSet,
  index: number,
  size: number,
  hyp: WarpHyp,
  rng: Rng,
  cache: boolean,
): Promise<{ image: RgbImage; boxes: PixelBoxes }> {
  const s = size;
  const border = s / 2;
  // Centre drawn in [S/2, 3S/2): each tile keeps at least a quarter of the output in view.
  const yc = Math.floor(border + rng() * (2 * s - 2 * border));
  const xc = Math.floor(border + rng() * (2 * s - 2 * border));
  const n = set.files.length;
  const indices = [index, Math.floor(rng() * n), Math.floor(rng() * n), Math.floor(rng() * n)];
  for (let i = indices.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [indices[i], indices[j]] = [indices[j], indices[i]];
  }
  const images = await Promise.all(indices.map((i) => set.load(i, s, cache)));

  const canvas = scratchCanvas(2 * s);
  const boxes: PixelBoxes = [];
  images.forEach((img, tile) => {
    const { width: w, height: h } = img;
    // Destination rectangle (a) on the canvas and source rectangle (b) in the tile.
    let x1a: number, y1a: number, x2a: number, y2a: number, x1b: number, y1b: number;
    if (tile === 0) {
      [x1a, y1a, x2a, y2a] = [Math.max(xc - w, 0), Math.max(yc - h, 0), xc, yc];
      [x1b, y1b] = [w - (x2a - x1a), h - (y2a - y1a)];
    } else if (tile === 1) {
      [x1a, y1a, x2a, y2a] = [xc, Math.max(yc - h, 0), Math.min(xc + w, 2 * s), yc];
      [x1b, y1b] = [0, h - (y2a - y1a)];
    } else if (tile === 2) {
      [x1a, y1a, x2a, y2a] = [Math.max(xc - w, 0), yc, xc, Math.min(2 * s, yc + h)];
      [x1b, y1b] = [w - (x2a - x1a), 0];
    } else {
      [x1a, y1a, x2a, y2a] = [xc, yc, Math.min(xc + w, 2 * s), Math.min(2 * s, yc + h)];
      [x1b, y1b] = [0, 0];
    }
    const cw = x2a - x1a;
    for (let y = 0; y < y2a - y1a; y++) {
      const from = ((y1b + y) * w + x1b) * 3;
      canvas.data.set(img.data.subarray(from, from + cw * 3), ((y1a + y) * 2 * s + x1a) * 3);
    }
    const padw = x1a - x1b, padh = y1a - y1b;
    const rows = set.labels[indices[tile]];
    for (let k = 0; k < rows.length; k += 5) {
      const [cls, cx, cy, bw, bh] = rows.subarray(k, k + 5);
      boxes.push(
        cls,
        clip(w * (cx - bw / 2) + padw, 2 * s),
        clip(h * (cy - bh / 2) + padh, 2 * s),
        clip(w * (cx + bw / 2) + padw, 2 * s),
        clip(h * (cy + bh / 2) + padh, 2 * s),
      );
    }
  });

  const { m, scale } = randomWarp(rng, hyp, 2 * s, 2 * s, s, s);
  return { image: warpImage(canvas, m, s, s), boxes: warpBoxes(boxes, m, scale, s, s) };
}

let scratch: RgbImage | undefined;

/**
 * A gray side x side canvas reused across mosaics to spare the allocator and GC. Safe because
 * everything from filling it to warping out of it runs synchronously (no await in between).
 */
function scratchCanvas(side: number): RgbImage {
  if (!scratch || scratch.width !== side) scratch = { data: new Uint8Array(side * side * 3), width: side, height: side };
  scratch.data.fill(114);
  return scratch;
}

function clip(v: number, hi: number): number {
  return v < 0 ? 0 : v > hi ? hi : v;
}

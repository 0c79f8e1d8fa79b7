import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import type { RgbImage } from '../../../../src/trainers/yolov5/data/image.ts';

/** A fresh temp folder, removed by `removeTempDirs` (call it in afterAll). */
export async function tempDir(prefix = 'hpo-data-'): Promise<string> {
  return trackedTempDir(prefix);
}

export const RED: [number, number, number] = [230, 20, 20];

/** A w x h image on a gray-blue background with solid rectangles (pixel x1,y1,x2,y2, exclusive). */
export function rectImage(w: number, h: number, rects: [number, number, number, number][], colour = RED): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) data.set([60, 70, 90], i * 3);
  for (const [x1, y1, x2, y2] of rects) {
    for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) data.set(colour, (y * w + x) * 3);
  }
  return { data, width: w, height: h };
}

/** Writes `image` as PNG (lossless) or JPEG, creating folders. */
export async function writeImage(file: string, image: RgbImage, format: 'png' | 'jpeg' = 'png'): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const raw = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
  await writeFile(file, format === 'png' ? await raw.png().toBuffer() : await raw.jpeg({ quality: 95 }).toBuffer());
}

export async function writeText(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
}

/** YOLO label line of a pixel rectangle in a w x h image. */
export function labelLine(cls: number, [x1, y1, x2, y2]: number[], w: number, h: number): string {
  return `${cls} ${(x1 + x2) / 2 / w} ${(y1 + y2) / 2 / h} ${(x2 - x1) / w} ${(y2 - y1) / h}`;
}

/** Whether pixel (x, y) of an RGB byte image looks red (also after HSV-free bilinear blending). */
export function isRed(data: ArrayLike<number>, width: number, x: number, y: number, scale = 1): boolean {
  const o = (y * width + x) * 3;
  return data[o] * scale > 150 && data[o + 1] * scale < 90 && data[o + 2] * scale < 90;
}

/** Tight box (x1, y1, x2 exclusive, y2 exclusive) of red pixels inside a region, or undefined. */
export function redBox(
  data: ArrayLike<number>, width: number, height: number,
  region: [number, number, number, number] = [0, 0, width, height], scale = 1,
): { box: [number, number, number, number]; count: number } | undefined {
  const [rx1, ry1, rx2, ry2] = region.map((v, i) => Math.max(0, Math.min(i % 2 ? height : width, Math.round(v))));
  let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity, count = 0;
  for (let y = ry1; y < ry2; y++) {
    for (let x = rx1; x < rx2; x++) {
      if (!isRed(data, width, x, y, scale)) continue;
      count++;
      x1 = Math.min(x1, x); y1 = Math.min(y1, y); x2 = Math.max(x2, x + 1); y2 = Math.max(y2, y + 1);
    }
  }
  return count ? { box: [x1, y1, x2, y2], count } : undefined;
}

/** Normalized (cx, cy, w, h) -> pixel (x1, y1, x2, y2) in a size x size image. */
export function toPixels([cx, cy, w, h]: ArrayLike<number> & Iterable<number>, size: number): [number, number, number, number] {
  return [(cx - w / 2) * size, (cy - h / 2) * size, (cx + w / 2) * size, (cy + h / 2) * size];
}

/** Asserts-free comparison: the largest coordinate difference between two boxes. */
export function boxError(a: number[], b: number[]): number {
  return Math.max(...a.map((v, i) => Math.abs(v - b[i])));
}

export { join };

const created: string[] = [];

/** A temp folder removed by `removeTempDirs` (call it in afterAll). */
export async function trackedTempDir(prefix = 'hpo-data-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(created.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/**
 * Rasterizes one synthetic detection scene: a textured background (two-colour gradient, smooth
 * value noise, pixel noise) and 1-4 coloured shapes whose class is their kind. Pixels are drawn
 * where their centre falls inside the shape, and each label is the tight box of the pixels its
 * shape drew, so labels and pixels agree exactly.
 */
import type { Rng } from '../../../core/index.ts';
import type { RgbImage } from './image.ts';

/** Shape kinds in class order; a dataset with k classes uses the first k. */
export const SHAPES = ['circle', 'square', 'triangle', 'diamond', 'cross', 'ring', 'hexagon', 'star'] as const;

/** One drawn object: its class and its box in pixels (x1, y1, x2, y2; x2/y2 exclusive). */
export interface SceneObject {
  cls: number;
  box: [number, number, number, number];
  colour: [number, number, number];
}

/** A rendered scene; `owner[p]` is the index of the object visible at pixel p, or -1. */
export interface Scene {
  image: RgbImage;
  objects: SceneObject[];
  owner: Int16Array;
}

const STAR = Array.from({ length: 10 }, (_, i) => {
  const a = -Math.PI / 2 + (i * Math.PI) / 5;
  const r = i % 2 === 0 ? 1 : 0.45;
  return [r * Math.cos(a), r * Math.sin(a)] as const;
});

/** Whether local point (u, v) in [-1, 1]^2 (the shape's box) is inside shape `kind`. */
export function insideShape(kind: number, u: number, v: number): boolean {
  const au = Math.abs(u), av = Math.abs(v);
  if (au > 1 || av > 1) return false;
  switch (SHAPES[kind]) {
    case 'circle': return u * u + v * v <= 1;
    case 'square': return true;
    case 'triangle': return au <= (v + 1) / 2;
    case 'diamond': return au + av <= 1;
    case 'cross': return au <= 0.34 || av <= 0.34;
    case 'ring': { const r2 = u * u + v * v; return r2 <= 1 && r2 >= 0.3; }
    case 'hexagon': return au <= 1 - 0.5 * av;
    default: return insidePolygon(STAR, u, v);
  }
}

function insidePolygon(points: readonly (readonly [number, number])[], x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const [xi, yi] = points[i], [xj, yj] = points[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Renders a size x size scene with shapes of classes [0, classes). Deterministic for the rng state. */
export function renderScene(rng: Rng, size: number, classes: number): Scene {
  const image = background(rng, size);
  const owner = new Int16Array(size * size).fill(-1);
  const objects: SceneObject[] = [];
  const wanted = 1 + Math.floor(rng() * 4);
  const placed: [number, number, number, number][] = [];
  for (let attempt = 0; attempt < 40 && placed.length < wanted; attempt++) {
    const w = size * (0.1 + 0.4 * rng());
    const h = Math.min(size * 0.5, Math.max(size * 0.1, w * (0.8 + 0.45 * rng())));
    const x = rng() * (size - w), y = rng() * (size - h);
    const cls = Math.floor(rng() * classes);
    const colour = vividColour(rng);
    const rect: [number, number, number, number] = [x, y, x + w, y + h];
    if (placed.some((p) => overlapOfSmaller(p, rect) > 0.15)) continue;
    const box = drawShape(image, owner, objects.length, cls, rect, colour, rng);
    if (!box) continue;
    placed.push(rect);
    objects.push({ cls, box, colour });
  }
  return { image, objects, owner };
}

/** Fills the shape's pixels (colour with slight noise); returns the tight box of drawn pixels. */
function drawShape(
  image: RgbImage, owner: Int16Array, id: number, kind: number,
  [x1, y1, x2, y2]: [number, number, number, number], colour: [number, number, number], rng: Rng,
): [number, number, number, number] | undefined {
  const size = image.width;
  const cx = (x1 + x2) / 2, cy = (y1 + y2) / 2, hw = (x2 - x1) / 2, hh = (y2 - y1) / 2;
  let bx1 = size, by1 = size, bx2 = -1, by2 = -1;
  for (let py = Math.floor(y1); py < Math.ceil(y2); py++) {
    for (let px = Math.floor(x1); px < Math.ceil(x2); px++) {
      if (!insideShape(kind, (px + 0.5 - cx) / hw, (py + 0.5 - cy) / hh)) continue;
      const o = (py * size + px) * 3;
      const jitter = (rng() - 0.5) * 16;
      for (let c = 0; c < 3; c++) image.data[o + c] = clampByte(colour[c] + jitter);
      owner[py * size + px] = id;
      bx1 = Math.min(bx1, px); by1 = Math.min(by1, py);
      bx2 = Math.max(bx2, px); by2 = Math.max(by2, py);
    }
  }
  return bx2 < 0 ? undefined : [bx1, by1, bx2 + 1, by2 + 1];
}

/** Gradient between two muted colours + smooth noise on a 5x5 grid + pixel noise. */
function background(rng: Rng, size: number): RgbImage {
  const a = mutedColour(rng), b = mutedColour(rng);
  const angle = rng() * 2 * Math.PI;
  const dx = Math.cos(angle), dy = Math.sin(angle);
  const grid = Array.from({ length: 36 }, () => (rng() - 0.5) * 70);
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const t = Math.min(1, Math.max(0, 0.5 + ((x / size - 0.5) * dx + (y / size - 0.5) * dy)));
      const gx = (x / size) * 5, gy = (y / size) * 5;
      const ix = Math.floor(gx), iy = Math.floor(gy), fx = gx - ix, fy = gy - iy;
      const smooth =
        grid[iy * 6 + ix] * (1 - fx) * (1 - fy) + grid[iy * 6 + ix + 1] * fx * (1 - fy) +
        grid[(iy + 1) * 6 + ix] * (1 - fx) * fy + grid[(iy + 1) * 6 + ix + 1] * fx * fy;
      const grain = (rng() - 0.5) * 24;
      const o = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) data[o + c] = clampByte(a[c] * (1 - t) + b[c] * t + smooth + grain);
    }
  }
  return { data, width: size, height: size };
}

function mutedColour(rng: Rng): [number, number, number] {
  const base = 60 + rng() * 140;
  return [0, 1, 2].map(() => base + (rng() - 0.5) * 60) as [number, number, number];
}

/** A saturated colour: one channel high, one low, one anywhere (hue varies, class does not). */
function vividColour(rng: Rng): [number, number, number] {
  const c: [number, number, number] = [0, 0, 0];
  const hi = Math.floor(rng() * 3), lo = (hi + 1 + Math.floor(rng() * 2)) % 3;
  c[hi] = 190 + rng() * 65;
  c[lo] = rng() * 60;
  c[3 - hi - lo] = rng() * 255;
  return c;
}

function overlapOfSmaller(a: number[], b: number[]): number {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const area = (r: number[]) => (r[2] - r[0]) * (r[3] - r[1]);
  return (iw * ih) / Math.min(area(a), area(b));
}

function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

/**
 * YOLOv5's plot_images: up to 16 images of a batch tiled in a square grid, each with its label
 * boxes (solid, class name) or its predictions (class name and confidence, those above 0.25),
 * in the class's palette colour. Saved as train_batch0-2.jpg (the augmented mosaics the model
 * trained on) and val_batchN_labels.jpg / val_batchN_pred.jpg.
 */
import { loadSharp } from '../data/load-sharp.ts';
import type { Batch, Detection } from '../types.ts';
import { classColor, rect, svgDocument, text } from './svg.ts';

export const MAX_TILES = 16;
/** Predictions drawn above this confidence, as YOLOv5 does. */
export const PLOT_CONF = 0.25;

export interface BatchImageOptions {
  names: readonly string[];
  /** Draw these (pixels of the network input; `image` = index in the batch) instead of the labels. */
  detections?: readonly Detection[];
}

/** Where tile `i` of a grid of `n` tiles of size `s` goes. */
export function tileOrigin(i: number, n: number, s: number): { x: number; y: number; columns: number } {
  const columns = Math.ceil(Math.sqrt(n));
  return { x: (i % columns) * s, y: Math.floor(i / columns) * s, columns };
}

export async function batchJpg(batch: Batch, options: BatchImageOptions): Promise<Buffer> {
  const n = Math.min(batch.batchSize, MAX_TILES);
  const s = batch.imgSize;
  const { columns } = tileOrigin(0, n, s);
  const rows = Math.ceil(n / columns);
  const width = columns * s;
  const height = rows * s;
  const pixels = Buffer.alloc(width * height * 3, 114);
  for (let i = 0; i < n; i++) {
    const o = tileOrigin(i, n, s);
    for (let y = 0; y < s; y++) {
      for (let x = 0; x < s; x++) {
        const src = ((i * s + y) * s + x) * 3;
        const dst = ((o.y + y) * width + o.x + x) * 3;
        for (let c = 0; c < 3; c++) pixels[dst + c] = Math.round(Math.max(0, Math.min(1, batch.images[src + c])) * 255);
      }
    }
  }
  let overlay = '';
  for (let i = 0; i < n; i++) {
    const o = tileOrigin(i, n, s);
    overlay += rect(o.x, o.y, s, s, 'fill="none" stroke="#fff" stroke-width="2"');
  }
  for (const box of boxesOf(batch, options, n)) {
    const o = tileOrigin(box.image, n, s);
    const color = classColor(box.cls);
    overlay += rect(o.x + box.x1, o.y + box.y1, box.x2 - box.x1, box.y2 - box.y1, `fill="none" stroke="${color}" stroke-width="2"`);
    overlay += text(o.x + box.x1 + 1, o.y + Math.max(9, box.y1 - 2), box.label, { size: 9, color });
  }
  const sharp = await loadSharp();
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .composite([{ input: Buffer.from(svgDocument(width, height, overlay, 'none')) }])
    // Full-resolution colour (no 4:2:0 subsampling): thin coloured box edges stay their class's colour.
    .jpeg({ quality: 90, chromaSubsampling: '4:4:4' })
    .toBuffer();
}

interface DrawnBox { image: number; cls: number; x1: number; y1: number; x2: number; y2: number; label: string }

function boxesOf(batch: Batch, options: BatchImageOptions, n: number): DrawnBox[] {
  const name = (cls: number) => options.names[cls] ?? String(cls);
  if (options.detections) {
    return options.detections
      .filter((d) => typeof d.image === 'number' && d.image < n && d.conf > PLOT_CONF)
      .map((d) => ({ image: d.image as number, cls: d.cls, x1: d.box[0], y1: d.box[1], x2: d.box[2], y2: d.box[3], label: `${name(d.cls)} ${d.conf.toFixed(1)}` }));
  }
  const s = batch.imgSize;
  const out: DrawnBox[] = [];
  const t = batch.targets;
  for (let r = 0; r + 5 < t.length; r += 6) {
    const image = t[r];
    if (image >= n) continue;
    const [cx, cy, w, h] = [t[r + 2] * s, t[r + 3] * s, t[r + 4] * s, t[r + 5] * s];
    out.push({ image, cls: t[r + 1], x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, label: name(t[r + 1]) });
  }
  return out;
}

import { sep } from 'node:path';
import { DatasetError } from './errors.ts';

/** Coordinates may overshoot [0, 1] by this much (float round-off in exporters); they are clipped. */
const ROUND_OFF = 1e-6;

/**
 * The label file of an image, by YOLOv5's convention: the last `/images/` folder in the path
 * becomes `/labels/` and the extension becomes `.txt`.
 */
export function labelPathFor(imagePath: string): string {
  const images = `${sep}images${sep}`;
  const at = imagePath.lastIndexOf(images);
  const swapped = at < 0 ? imagePath : `${imagePath.slice(0, at)}${sep}labels${sep}${imagePath.slice(at + images.length)}`;
  const dot = swapped.lastIndexOf('.');
  const slash = swapped.lastIndexOf(sep);
  return `${dot > slash ? swapped.slice(0, dot) : swapped}.txt`;
}

/** Parsed labels of one image plus the non-fatal notes (duplicates dropped). */
export interface ParsedLabels {
  /** n rows of (class, cx, cy, w, h), normalized to the image. */
  rows: Float32Array;
  warnings: string[];
}

/**
 * Parses a YOLO label file: one `class cx cy w h` line per object, normalized to [0, 1];
 * blank lines are ignored; a polygon line `class x1 y1 x2 y2 x3 y3 ...` becomes its bounding box
 * (as YOLOv5 does with segment labels); exact duplicate lines are dropped with a warning.
 * Throws DatasetError naming `file:line` for a wrong number of values, a non-number, a class
 * that is not an integer in [0, nc), or a coordinate outside [0, 1].
 */
export function parseLabels(text: string, file: string, nc: number): ParsedLabels {
  const rows: number[] = [];
  const seen = new Set<string>();
  const warnings: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const where = `${file}:${i + 1}`;
    const tokens = line.split(/\s+/);
    const values = tokens.map(Number);
    const bad = tokens.findIndex((t, k) => !Number.isFinite(values[k]));
    if (bad >= 0) {
      throw new DatasetError(`${where}: "${tokens[bad]}" is not a number in label line "${line}". Each line is "class cx cy w h" (numbers).`);
    }
    const isPolygon = values.length >= 7 && values.length % 2 === 1;
    if (values.length !== 5 && !isPolygon) {
      throw new DatasetError(
        `${where}: expected 5 numbers "class cx cy w h", got ${values.length} ("${line}"). Fix the line or delete it.`,
      );
    }
    const cls = values[0];
    if (!Number.isInteger(cls) || cls < 0 || cls >= nc) {
      throw new DatasetError(
        `${where}: class ${tokens[0]} is not an integer in [0, ${nc - 1}] (the dataset yaml has nc=${nc}). Fix the class or the yaml's names/nc.`,
      );
    }
    for (let k = 1; k < values.length; k++) {
      const v = values[k];
      if (v < -ROUND_OFF || v > 1 + ROUND_OFF) {
        throw new DatasetError(
          `${where}: coordinate ${tokens[k]} is outside [0, 1] ("${line}"). Labels are normalized by the image width and height; divide pixel values by them.`,
        );
      }
      values[k] = Math.min(1, Math.max(0, v));
    }
    const box = isPolygon ? polygonBox(values) : values.slice(1, 5);
    const key = `${cls} ${box.join(' ')}`;
    if (seen.has(key)) {
      warnings.push(`${where}: duplicate label dropped ("${line}")`);
      continue;
    }
    seen.add(key);
    rows.push(cls, ...box);
  }
  return { rows: Float32Array.from(rows), warnings };
}

/** The xywh box around polygon points (class, x1, y1, x2, y2, ...). */
function polygonBox(values: number[]): number[] {
  let x1 = 1, y1 = 1, x2 = 0, y2 = 0;
  for (let k = 1; k < values.length; k += 2) {
    x1 = Math.min(x1, values[k]);
    x2 = Math.max(x2, values[k]);
    y1 = Math.min(y1, values[k + 1]);
    y2 = Math.max(y2, values[k + 1]);
  }
  return [(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1];
}

/**
 * Random affine / perspective augmentation, after YOLOv5's utils/augmentations.py
 * (random_perspective, box_candidates): M = T * S * R * P * C, applied to the image by inverse
 * mapping with bilinear sampling and gray (114) borders, and to the boxes through their four corners.
 * Pixel convention: pixel (i, j) covers [i, i+1) x [j, j+1), so a box in pixel units and the pixels
 * it covers transform together exactly (no half-pixel shift).
 */
import type { Rng } from '../../../core/index.ts';
import type { RgbImage } from './image.ts';

/** Row-major 3x3 matrix. */
export type Mat3 = Float64Array;

/** Labels in pixels: flat rows of (class, x1, y1, x2, y2). */
export type PixelBoxes = number[];

/** A new 3x3 identity matrix. */
export function identity(): Mat3 {
  return Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);
}

/** The product a * b (apply b first, then a). */
export function multiply(a: Mat3, b: Mat3): Mat3 {
  const out = new Float64Array(9);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) out[r * 3 + c] = a[r * 3] * b[c] + a[r * 3 + 1] * b[3 + c] + a[r * 3 + 2] * b[6 + c];
  }
  return out;
}

/** The inverse of m (adjugate / determinant); throws on a singular matrix. */
export function invert(m: Mat3): Mat3 {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-12) throw new Error('warp matrix is singular');
  const s = 1 / det;
  return Float64Array.of(
    A * s, -(b * i - c * h) * s, (b * f - c * e) * s,
    B * s, (a * i - c * g) * s, -(a * f - c * d) * s,
    C * s, -(a * h - b * g) * s, (a * e - b * d) * s,
  );
}

/** The geometric part of YOLOv5's hyp: degrees, translate, scale, shear, perspective. */
export interface WarpHyp {
  degrees: number; translate: number; scale: number; shear: number; perspective: number;
}

const uniform = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng();

/**
 * Draws YOLOv5's random_perspective matrix for an input of inW x inH and an output of outW x outH
 * (the mosaic passes a 2S canvas and an S output). Returns the matrix and the scale factor `s`
 * (box_candidates compares areas against the scaled original).
 */
export function randomWarp(rng: Rng, hyp: WarpHyp, inW: number, inH: number, outW: number, outH: number): { m: Mat3; scale: number } {
  const C = Float64Array.of(1, 0, -inW / 2, 0, 1, -inH / 2, 0, 0, 1);
  const P = identity();
  P[6] = uniform(rng, -hyp.perspective, hyp.perspective);
  P[7] = uniform(rng, -hyp.perspective, hyp.perspective);
  const angle = (uniform(rng, -hyp.degrees, hyp.degrees) * Math.PI) / 180;
  const scale = uniform(rng, 1 - hyp.scale, 1 + hyp.scale);
  // OpenCV's getRotationMatrix2D: counter-clockwise on screen for a positive angle (y points down).
  const cos = Math.cos(angle) * scale, sin = Math.sin(angle) * scale;
  const R = Float64Array.of(cos, sin, 0, -sin, cos, 0, 0, 0, 1);
  const S = identity();
  S[1] = Math.tan((uniform(rng, -hyp.shear, hyp.shear) * Math.PI) / 180);
  S[3] = Math.tan((uniform(rng, -hyp.shear, hyp.shear) * Math.PI) / 180);
  const T = identity();
  T[2] = uniform(rng, 0.5 - hyp.translate, 0.5 + hyp.translate) * outW;
  T[5] = uniform(rng, 0.5 - hyp.translate, 0.5 + hyp.translate) * outH;
  return { m: multiply(T, multiply(S, multiply(R, multiply(P, C)))), scale };
}

/**
 * Warps `src` by `m` (source -> destination) into an outW x outH image: each destination pixel
 * centre is mapped back through m^-1 and sampled bilinearly; outside the source reads gray `fill`.
 */
export function warpImage(src: RgbImage, m: Mat3, outW: number, outH: number, fill = 114): RgbImage {
  const inv = invert(m);
  const out = new Uint8Array(outW * outH * 3);
  const { data, width: w, height: h } = src;
  const [a, b, c, d, e, f, g, hh, k] = inv;
  const affine = g === 0 && hh === 0 && k === 1;
  const stride = w * 3;
  let o = 0;
  for (let y = 0; y < outH; y++) {
    const yc = y + 0.5;
    // Row start in homogeneous source coordinates; each step right adds the first column of inv.
    let su = a * 0.5 + b * yc + c, sv = d * 0.5 + e * yc + f, sz = g * 0.5 + hh * yc + k;
    for (let x = 0; x < outW; x++, o += 3, su += a, sv += d, sz += g) {
      let u = su, v = sv;
      if (!affine) {
        u /= sz;
        v /= sz;
      }
      u -= 0.5;
      v -= 0.5;
      if (!(u >= -1 && v >= -1 && u < w && v < h)) {
        out[o] = fill;
        out[o + 1] = fill;
        out[o + 2] = fill;
        continue;
      }
      // floor() via truncation, valid because u, v >= -1 here.
      const x0 = ((u + 1) | 0) - 1, y0 = ((v + 1) | 0) - 1;
      const fx = u - x0, fy = v - y0;
      const w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy), w01 = (1 - fx) * fy, w11 = fx * fy;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
        const p = y0 * stride + x0 * 3, q = p + stride;
        out[o] = (w00 * data[p] + w10 * data[p + 3] + w01 * data[q] + w11 * data[q + 3] + 0.5) | 0;
        out[o + 1] = (w00 * data[p + 1] + w10 * data[p + 4] + w01 * data[q + 1] + w11 * data[q + 4] + 0.5) | 0;
        out[o + 2] = (w00 * data[p + 2] + w10 * data[p + 5] + w01 * data[q + 2] + w11 * data[q + 5] + 0.5) | 0;
      } else {
        for (let ch = 0; ch < 3; ch++) {
          const p00 = sample(data, w, h, x0, y0, ch, fill), p10 = sample(data, w, h, x0 + 1, y0, ch, fill);
          const p01 = sample(data, w, h, x0, y0 + 1, ch, fill), p11 = sample(data, w, h, x0 + 1, y0 + 1, ch, fill);
          out[o + ch] = (w00 * p00 + w10 * p10 + w01 * p01 + w11 * p11 + 0.5) | 0;
        }
      }
    }
  }
  return { data: out, width: outW, height: outH };
}

function sample(data: Uint8Array, w: number, h: number, x: number, y: number, ch: number, fill: number): number {
  return x >= 0 && y >= 0 && x < w && y < h ? data[(y * w + x) * 3 + ch] : fill;
}

/**
 * Maps boxes through `m` (the box around the four warped corners, clipped to the output) and keeps
 * the candidates of YOLOv5's box_candidates: both sides > wh_thr px, area > area_thr of the
 * original area times scale^2, aspect ratio < ar_thr.
 */
export function warpBoxes(boxes: PixelBoxes, m: Mat3, scale: number, outW: number, outH: number): PixelBoxes {
  const kept: PixelBoxes = [];
  for (let k = 0; k < boxes.length; k += 5) {
    const [cls, x1, y1, x2, y2] = boxes.slice(k, k + 5);
    let nx1 = Infinity, ny1 = Infinity, nx2 = -Infinity, ny2 = -Infinity;
    for (const [px, py] of [[x1, y1], [x2, y2], [x1, y2], [x2, y1]]) {
      const z = m[6] * px + m[7] * py + m[8];
      const qx = (m[0] * px + m[1] * py + m[2]) / z;
      const qy = (m[3] * px + m[4] * py + m[5]) / z;
      nx1 = Math.min(nx1, qx); nx2 = Math.max(nx2, qx);
      ny1 = Math.min(ny1, qy); ny2 = Math.max(ny2, qy);
    }
    nx1 = clamp(nx1, 0, outW); nx2 = clamp(nx2, 0, outW);
    ny1 = clamp(ny1, 0, outH); ny2 = clamp(ny2, 0, outH);
    const before = [(x2 - x1) * scale, (y2 - y1) * scale];
    if (isBoxCandidate(before[0], before[1], nx2 - nx1, ny2 - ny1)) kept.push(cls, nx1, ny1, nx2, ny2);
  }
  return kept;
}

/** Thresholds of the candidate filter (YOLOv5 box_candidates; ar 20 as in YOLOv5 up to v6.0). */
export const CANDIDATE = { whThr: 2, arThr: 20, areaThr: 0.1 } as const;

/** Whether a box of w1 x h1 before augmentation that became w2 x h2 is still a usable label. */
export function isBoxCandidate(w1: number, h1: number, w2: number, h2: number, eps = 1e-16): boolean {
  const ar = Math.max(w2 / (h2 + eps), h2 / (w2 + eps));
  return w2 > CANDIDATE.whThr && h2 > CANDIDATE.whThr && (w2 * h2) / (w1 * h1 + eps) > CANDIDATE.areaThr && ar < CANDIDATE.arThr;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

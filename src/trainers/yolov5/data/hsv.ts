/**
 * HSV colour-space augmentation, after YOLOv5's augment_hsv: random gains r = 1 + U(-1, 1) * (hgain,
 * sgain, vgain), applied through lookup tables in OpenCV's 8-bit HSV (H in [0, 180), S and V in
 * [0, 255]): H' = (H * r_h) mod 180, S' = clip(S * r_s), V' = clip(V * r_v). Works in place on RGB.
 */
import type { Rng } from '../../../core/index.ts';
import type { RgbImage } from './image.ts';

/** Draws the three gains (YOLOv5 draws all three even when a gain is 0) and applies them in place. */
export function augmentHsv(image: RgbImage, rng: Rng, hgain: number, sgain: number, vgain: number): void {
  const rh = (rng() * 2 - 1) * hgain + 1;
  const rs = (rng() * 2 - 1) * sgain + 1;
  const rv = (rng() * 2 - 1) * vgain + 1;
  if (!hgain && !sgain && !vgain) return;
  applyHsvGains(image, rh, rs, rv);
}

/** 1 / x for x in 0..255 (0 for 0): the per-pixel divisions become multiplications. */
const RECIPROCAL = Float64Array.from({ length: 256 }, (_, x) => (x === 0 ? 0 : 1 / x));

/** Applies fixed HSV gains in place (exposed for tests). */
export function applyHsvGains(image: RgbImage, rh: number, rs: number, rv: number): void {
  const lutH = new Uint8Array(256), lutS = new Float64Array(256), lutV = new Uint8Array(256);
  for (let x = 0; x < 256; x++) {
    lutH[x] = Math.floor(((x * rh) % 180 + 180) % 180);
    lutS[x] = Math.min(255, Math.max(0, Math.floor(x * rs))) / 255; // as a fraction, ready for HSV -> RGB
    lutV[x] = Math.min(255, Math.max(0, Math.floor(x * rv)));
  }
  const d = image.data;
  for (let i = 0; i < d.length; i += 3) {
    const r = d[i], g = d[i + 1], b = d[i + 2];
    const v = r > g ? (r > b ? r : b) : g > b ? g : b;
    const mn = r < g ? (r < b ? r : b) : g < b ? g : b;
    const delta = v - mn;
    // RGB -> 8-bit HSV as OpenCV rounds it: H in [0, 180), S and V in [0, 255].
    const s8 = (delta * 255 * RECIPROCAL[v] + 0.5) | 0;
    let h8 = 0;
    if (delta !== 0) {
      const k = 30 * RECIPROCAL[delta]; // 60 degrees per sector, halved for 8-bit hue
      let h = v === r ? (g - b) * k : v === g ? 60 + (b - r) * k : 120 + (r - g) * k;
      if (h < 0) h += 180;
      h8 = (h + 0.5) | 0;
      if (h8 >= 180) h8 -= 180;
    }
    const sat = lutS[s8], val = lutV[v];
    if (sat === 0) {
      d[i] = d[i + 1] = d[i + 2] = val;
      continue;
    }
    // HSV -> RGB: 30 hue units per sector.
    const hh = lutH[h8] * (1 / 30);
    const sector = hh | 0;
    const f = hh - sector;
    const p = val * (1 - sat) + 0.5, q = val * (1 - sat * f) + 0.5, t = val * (1 - sat * (1 - f)) + 0.5;
    const vv = val + 0.5;
    if (sector === 0) { d[i] = vv; d[i + 1] = t; d[i + 2] = p; }
    else if (sector === 1) { d[i] = q; d[i + 1] = vv; d[i + 2] = p; }
    else if (sector === 2) { d[i] = p; d[i + 1] = vv; d[i + 2] = t; }
    else if (sector === 3) { d[i] = p; d[i + 1] = q; d[i + 2] = vv; }
    else if (sector === 4) { d[i] = t; d[i + 1] = p; d[i + 2] = vv; }
    else { d[i] = vv; d[i + 1] = p; d[i + 2] = q; }
  }
}

/**
 * The three loss terms of one detection layer and their gradients w.r.t. the layer's raw
 * output, in plain JS over its values (YOLOv5 utils/loss.py, ComputeLoss.__call__, one
 * iteration of the layer loop). Doing it by hand keeps the loss at a handful of tensor ops per
 * step: the matched predictions are a few hundred rows, and on WASM every small op costs more
 * than its arithmetic.
 */
import type { LayerTargets } from './assign.ts';
import { bceLogit, type BceOptions } from './bce.ts';
import { ciouWithGrad } from './ciou.ts';

/** The three means of one layer. */
export interface LayerTerms {
  box: number;
  cls: number;
  obj: number;
}

/** Settings shared by every layer. */
export interface LayerLossOptions {
  nc: number;
  /** Smoothed class targets (YOLOv5's cp, cn). */
  cp: number;
  cn: number;
  cls: BceOptions;
  obj: BceOptions;
}

/**
 * Box, class and objectness means for one layer. `x`: the layer's logits, [B, ny, nx, na, 5+nc]
 * row-major; `match`: its assigned pairs. The box term is mean(1 - CIoU) over pairs, the class
 * term the mean BCE over pairs x classes (0 when nc = 1, as YOLOv5 skips it), the objectness
 * term the mean BCE over all slots against the detached CIoU clamped at 0 (YOLOv5's gr = 1).
 * Adds weight.box * d box + weight.cls * d cls + weight.obj * d obj (w.r.t. x) into `grad`.
 */
export function layerTerms(
  x: Float32Array,
  match: LayerTargets,
  o: LayerLossOptions,
  weight: LayerTerms,
  grad: Float32Array,
): LayerTerms {
  const no = 5 + o.nc;
  const slots = x.length / no;
  const out: LayerTerms = { box: 0, cls: 0, obj: 0 };
  const tobj = new Float32Array(slots);
  const m = match.count;
  const g = new Float64Array(4);
  const b = new Float64Array(2);
  const pbox = new Float64Array(4);
  const sig = new Float64Array(4);
  for (let k = 0; k < m; k++) {
    const row = match.slot[k] * no;
    for (let j = 0; j < 4; j++) sig[j] = 1 / (1 + Math.exp(-x[row + j]));
    const aw = match.anchorWh[2 * k];
    const ah = match.anchorWh[2 * k + 1];
    pbox[0] = sig[0] * 2 - 0.5;
    pbox[1] = sig[1] * 2 - 0.5;
    pbox[2] = (sig[2] * 2) ** 2 * aw;
    pbox[3] = (sig[3] * 2) ** 2 * ah;
    const ciou = ciouWithGrad(pbox, match.box.subarray(4 * k, 4 * k + 4), g);
    out.box += (1 - ciou) / m;
    // d(1 - ciou)/m through xy = 2s - 0.5 and wh = 4 s^2 anchor.
    const wb = weight.box / m;
    for (let j = 0; j < 2; j++) grad[row + j] -= wb * g[j] * 2 * sig[j] * (1 - sig[j]);
    grad[row + 2] -= wb * g[2] * 8 * sig[2] * sig[2] * (1 - sig[2]) * aw;
    grad[row + 3] -= wb * g[3] * 8 * sig[3] * sig[3] * (1 - sig[3]) * ah;
    // Later pairs on the same slot overwrite earlier ones, as tobj[b, a, gj, gi] = iou does.
    tobj[match.slot[k]] = ciou > 0 ? ciou : 0;
    if (o.nc > 1) {
      const n = m * o.nc;
      for (let c = 0; c < o.nc; c++) {
        bceLogit(x[row + 5 + c], c === match.cls[k] ? o.cp : o.cn, o.cls, b);
        out.cls += b[0] / n;
        grad[row + 5 + c] += (weight.cls * b[1]) / n;
      }
    }
  }
  for (let s = 0; s < slots; s++) {
    bceLogit(x[s * no + 4], tobj[s], o.obj, b);
    out.obj += b[0];
    grad[s * no + 4] += (weight.obj * b[1]) / slots;
  }
  out.obj /= slots;
  return out;
}

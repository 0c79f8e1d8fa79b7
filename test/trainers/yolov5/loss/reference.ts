/**
 * A straightforward plain-JS re-statement of YOLOv5's ComputeLoss (float64, loops), used to check
 * the tensor implementation. It shares only buildTargets (tested on its own) and ciouXywh
 * (checked against hand values) with the code under test.
 */
import { buildTargets } from '../../../../src/trainers/yolov5/loss/assign.ts';
import { boxIou, ciouXywh } from '../../../../src/trainers/yolov5/loss/box.ts';
import type { Hyp } from '../../../../src/trainers/yolov5/types.ts';

export const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
export const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

/** PyTorch BCEWithLogitsLoss(pos_weight) on one element, optionally YOLOv5's FocalLoss (alpha 0.25). */
export function bce(x: number, t: number, posWeight = 1, gamma = 0): number {
  const plain = -(posWeight * t * Math.log(sigmoid(x)) + (1 - t) * Math.log(1 - sigmoid(x)));
  if (gamma === 0) return plain;
  const p = sigmoid(x);
  const pt = t * p + (1 - t) * (1 - p);
  return plain * (t * 0.25 + (1 - t) * 0.75) * (1 - pt) ** gamma;
}

export interface RefCase {
  preds: { data: Float32Array; shape: [number, number, number, number, number] }[];
  targets: Float32Array;
  nc: number;
  imgSize: number;
  anchors: [number, number][][];
  strides: number[];
  hyp: Hyp;
  labelSmoothing: number;
}

/**
 * What YOLOv5 holds constant while differentiating (alpha in CIoU under no_grad, the detached
 * objectness targets), per layer and pair / slot. Passing it back freezes them, so that central
 * differences of the reference give the gradient the loss should have.
 */
export interface Detached {
  alpha: number[][];
  tobj: Float64Array[];
}

function aspectTerm(p: readonly number[], t: readonly number[]): number {
  return (4 / Math.PI ** 2) * (Math.atan(t[2] / t[3]) - Math.atan(p[2] / p[3])) ** 2;
}

function xyxy(b: readonly number[]): [number, number, number, number] {
  return [b[0] - b[2] / 2, b[1] - b[3] / 2, b[0] + b[2] / 2, b[1] + b[3] / 2];
}

/** The loss YOLOv5 would compute for this case, with train.py's gain scaling. */
export function referenceLoss(c: RefCase, frozen?: Detached) {
  const detached: Detached = { alpha: [], tobj: [] };
  const nl = c.preds.length;
  const no = 5 + c.nc;
  const layers = c.preds.map((p, i) => ({
    ny: p.shape[1],
    nx: p.shape[2],
    anchors: c.anchors[i].map(([w, h]) => [w / c.strides[i], h / c.strides[i]] as [number, number]),
  }));
  const assigned = buildTargets(c.targets, layers, c.hyp.anchor_t);
  const balance = nl === 3 ? [4, 1, 0.4] : [4, 1, 0.25, 0.06, 0.02];
  const [cp, cn] = [1 - 0.5 * c.labelSmoothing, 0.5 * c.labelSmoothing];
  const g = c.hyp.fl_gamma;
  let lbox = 0;
  let lobj = 0;
  let lcls = 0;
  c.preds.forEach((p, i) => {
    const slots = p.data.length / no;
    const tobj = new Float64Array(slots);
    const a = assigned[i];
    detached.alpha.push([]);
    let boxSum = 0;
    let clsSum = 0;
    for (let k = 0; k < a.count; k++) {
      const r = a.slot[k] * no;
      const x = p.data;
      const pbox = [
        sigmoid(x[r]) * 2 - 0.5,
        sigmoid(x[r + 1]) * 2 - 0.5,
        (sigmoid(x[r + 2]) * 2) ** 2 * a.anchorWh[2 * k],
        (sigmoid(x[r + 3]) * 2) ** 2 * a.anchorWh[2 * k + 1],
      ] as const;
      const tbox = [a.box[4 * k], a.box[4 * k + 1], a.box[4 * k + 2], a.box[4 * k + 3]] as const;
      let ciou = ciouXywh(pbox, tbox);
      const v = aspectTerm(pbox, tbox);
      const alpha = v / (v - boxIou(xyxy(pbox), xyxy(tbox)) + 1 + 1e-7);
      detached.alpha[i].push(alpha);
      if (frozen) ciou += v * alpha - v * frozen.alpha[i][k];
      boxSum += 1 - ciou;
      tobj[a.slot[k]] = Math.max(ciou, 0);
      for (let cc = 0; cc < c.nc; cc++) clsSum += bce(x[r + 5 + cc], cc === a.cls[k] ? cp : cn, c.hyp.cls_pw, g);
    }
    if (a.count > 0) {
      lbox += boxSum / a.count;
      if (c.nc > 1) lcls += clsSum / (a.count * c.nc);
    }
    detached.tobj.push(tobj);
    const objTarget = frozen ? frozen.tobj[i] : tobj;
    let objSum = 0;
    for (let s = 0; s < slots; s++) objSum += bce(p.data[s * no + 4], objTarget[s], c.hyp.obj_pw, g);
    lobj += (objSum / slots) * balance[i];
  });
  const box = lbox * c.hyp.box * (3 / nl);
  const obj = lobj * c.hyp.obj * (c.imgSize / 640) ** 2 * (3 / nl);
  const cls = lcls * c.hyp.cls * (c.nc / 80) * (3 / nl);
  return { loss: (box + obj + cls) * c.preds[0].shape[0], box, obj, cls, detached };
}

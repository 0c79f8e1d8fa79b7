/**
 * The YOLOv5 training loss (utils/loss.py, ComputeLoss) as one TF.js op, with train.py's gain
 * scaling. Assignment (assign.ts) and the per-layer terms with their gradients (layer-loss.ts)
 * run in plain JS on the predictions' values; a custom gradient hands those gradients to
 * TF.js. So the loss costs a few tensor ops per step and needs no gather/scatter kernels
 * (UnsortedSegmentSum, ScatterNd), which the WASM backend lacks.
 */
import * as tf from '@tensorflow/tfjs-core';
import { HpoError } from '../../../core/index.ts';
import { buildTargets, type LayerSpec } from './assign.ts';
import { layerTerms, type LayerLossOptions } from './layer-loss.ts';
import type { Hyp } from '../types.ts';

/** Inputs of {@link computeLoss} besides predictions and targets. */
export interface LossOptions {
  nc: number;
  /** Network input size in pixels (square). */
  imgSize: number;
  /** Anchors in pixels, one list of [w, h] per layer (DEFAULT_ANCHORS). */
  anchors: readonly (readonly (readonly [number, number])[])[];
  strides: readonly number[];
  /** The user's hyp, UNscaled: computeLoss applies {@link scaleLossGains} itself. */
  hyp: Hyp;
  /** Class label smoothing epsilon (train.py --label-smoothing), in [0, 1). */
  labelSmoothing: number;
}

/** The loss and its parts: `box`, `obj`, `cls` are gain-scaled and detached; `loss` is their sum times the batch size. */
export interface LossResult {
  loss: tf.Scalar;
  box: tf.Scalar;
  obj: tf.Scalar;
  cls: tf.Scalar;
  /** The same four as numbers, for logging without a read-back (valid outside any tf.tidy). */
  values: { loss: number; box: number; obj: number; cls: number };
}

/** YOLOv5's per-layer objectness balance (P3, P4, P5), or P3-P7 otherwise. */
export function objBalance(nl: number): number[] {
  return nl === 3 ? [4.0, 1.0, 0.4] : [4.0, 1.0, 0.25, 0.06, 0.02].slice(0, nl);
}

/**
 * The box/obj/cls gains as train.py scales them before building ComputeLoss:
 * box *= 3/nl, cls *= nc/80 * 3/nl, obj *= (imgSize/640)^2 * 3/nl.
 * computeLoss calls this itself; callers pass the unscaled hyp and must not scale again.
 */
export function scaleLossGains(hyp: Pick<Hyp, 'box' | 'obj' | 'cls'>, nc: number, imgSize: number, nl: number) {
  const layers = 3 / nl;
  return {
    box: hyp.box * layers,
    cls: hyp.cls * (nc / 80) * layers,
    obj: hyp.obj * (imgSize / 640) ** 2 * layers,
  };
}

/**
 * YOLOv5's loss for one batch. `preds`: the raw head outputs, [B, ny, nx, na, 5+nc] per layer
 * (pre-sigmoid); `targets`: rows (image, class, cx, cy, w, h), normalized. `loss` is
 * differentiable in `preds` (use inside tf.variableGrads or tf.grads); `box`, `obj`, `cls` are
 * detached, like YOLOv5's loss items. Takes the UNscaled hyp and applies train.py's gain scaling
 * itself ({@link scaleLossGains}). Returns (lbox + lobj + lcls) * batchSize as YOLOv5 does.
 * Reads the predictions synchronously; creates tensors in the caller's scope (wrap in tf.tidy).
 */
export function computeLoss(preds: tf.Tensor[], targets: Float32Array, opts: LossOptions): LossResult {
  checkInputs(preds, targets, opts);
  const { nc, hyp } = opts;
  const nl = preds.length;
  const batchSize = preds[0].shape[0] as number;
  const layers: LayerSpec[] = preds.map((p, i) => ({
    ny: p.shape[1] as number,
    nx: p.shape[2] as number,
    anchors: opts.anchors[i].map(([w, h]) => [w / opts.strides[i], h / opts.strides[i]] as const),
  }));
  const assigned = buildTargets(targets, layers, hyp.anchor_t);
  const gains = scaleLossGains(hyp, nc, opts.imgSize, nl);
  const balance = objBalance(nl);
  const layerOpts: LayerLossOptions = {
    nc,
    cp: 1 - 0.5 * opts.labelSmoothing,
    cn: 0.5 * opts.labelSmoothing,
    cls: { posWeight: hyp.cls_pw, focalGamma: hyp.fl_gamma, focalAlpha: 0.25 },
    obj: { posWeight: hyp.obj_pw, focalGamma: hyp.fl_gamma, focalAlpha: 0.25 },
  };
  const sums = { box: 0, obj: 0, cls: 0 };
  const grads = preds.map((p, i) => {
    const grad = new Float32Array(p.size);
    const weight = { box: gains.box * batchSize, cls: gains.cls * batchSize, obj: gains.obj * balance[i] * batchSize };
    const t = layerTerms(p.dataSync() as Float32Array, assigned[i], layerOpts, weight, grad);
    sums.box += t.box;
    sums.cls += t.cls;
    sums.obj += t.obj * balance[i];
    return grad;
  });
  const box = sums.box * gains.box;
  const obj = sums.obj * gains.obj;
  const cls = sums.cls * gains.cls;
  const total = (box + obj + cls) * batchSize;
  const loss = scalarWithGrads(preds, total, grads);
  return { loss, box: tf.scalar(box), obj: tf.scalar(obj), cls: tf.scalar(cls), values: { loss: total, box, obj, cls } };
}

/** A scalar of value `value` whose gradient w.r.t. inputs[i] is grads[i] (precomputed in JS). */
function scalarWithGrads(inputs: tf.Tensor[], value: number, grads: Float32Array[]): tf.Scalar {
  const op = tf.customGrad(() => ({
    value: tf.scalar(value),
    gradFunc: (dy: tf.Tensor) => grads.map((g, i) => tf.mul(tf.tensor(g, inputs[i].shape), dy)),
  }));
  return op(...inputs) as tf.Scalar;
}

function bad(field: string, received: unknown, fix: string): HpoError {
  return new HpoError('YOLOV5_LOSS_INPUT', `computeLoss: ${field} is invalid (received ${received}); ${fix}`, {
    userFacing: false,
  });
}

function checkInputs(preds: tf.Tensor[], targets: Float32Array, opts: LossOptions): void {
  const { nc, anchors, strides } = opts;
  if (!Number.isInteger(nc) || nc < 1) throw bad('opts.nc', nc, 'pass the dataset class count (>= 1).');
  if (preds.length === 0 || preds.length !== anchors.length || preds.length !== strides.length) {
    throw bad('preds.length', `${preds.length} layers, ${anchors.length} anchor sets, ${strides.length} strides`,
      'pass one prediction, one anchor list and one stride per detection layer.');
  }
  const b = preds[0]?.shape[0];
  preds.forEach((p, i) => {
    const s = p.shape;
    if (s.length !== 5 || s[0] !== b || s[3] !== anchors[i].length || s[4] !== 5 + nc) {
      throw bad(`preds[${i}].shape`, `[${s.join(', ')}]`,
        `expected [${b}, ny, nx, ${anchors[i].length}, ${5 + nc}] (batch, grid, anchors, 5 + nc).`);
    }
  });
  if (targets.length % 6 !== 0) {
    throw bad('targets.length', targets.length, 'targets are rows of 6 (image, class, cx, cy, w, h).');
  }
  for (let r = 0; r < targets.length; r += 6) {
    const img = targets[r];
    const c = targets[r + 1];
    if (!Number.isInteger(img) || img < 0 || img >= b) {
      throw bad(`targets row ${r / 6} image index`, img, `use an integer in [0, ${b - 1}].`);
    }
    if (!Number.isInteger(c) || c < 0 || c >= nc) {
      throw bad(`targets row ${r / 6} class`, c, `use an integer in [0, ${nc - 1}] (nc = ${nc}).`);
    }
  }
  const eps = opts.labelSmoothing;
  if (!(eps >= 0 && eps < 1)) throw bad('opts.labelSmoothing', eps, 'use a value in [0, 1), e.g. 0 or 0.1.');
}

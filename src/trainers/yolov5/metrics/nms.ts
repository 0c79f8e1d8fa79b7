/**
 * YOLOv5's non_max_suppression (utils/general.py) for decoded predictions, in plain JS:
 * candidates with obj > confThres; confidence = obj * cls; best class per box (or every class
 * above confThres with multiLabel); at most maxNms candidates by confidence; greedy NMS per
 * class (torchvision.ops.nms semantics: drop a box whose IoU with a kept one is > iouThres);
 * at most maxDet kept, in descending confidence.
 */
import * as tf from '@tensorflow/tfjs-core';
import { HpoError } from '../../../core/index.ts';
import type { Detection } from '../types.ts';

/** NMS settings; defaults are YOLOv5 val.py's (conf 0.001, IoU 0.6, 300 detections). */
export interface NmsOptions {
  confThres?: number;
  iouThres?: number;
  maxDet?: number;
  /** Boxes fed to NMS at most (YOLOv5's max_nms). */
  maxNms?: number;
  /** One detection per class above confThres instead of the best class only. YOLOv5's val.py turns this on. */
  multiLabel?: boolean;
  /** Suppress across classes too. */
  agnostic?: boolean;
  /** Image id written into each Detection (default 0). */
  image?: number | string;
  /** Number of classes; required when `decoded` is a Float32Array. */
  nc?: number;
}

/**
 * NMS for one image. `decoded`: [N, 5+nc] rows (cx, cy, w, h, obj, cls...) in pixels, as one
 * image of decodePredictions; a Float32Array needs `opts.nc`. Returns x1,y1,x2,y2 detections,
 * highest confidence first. Pure; reads the tensor synchronously and does not dispose it.
 */
export function nonMaxSuppression(decoded: Float32Array | tf.Tensor2D, opts: NmsOptions = {}): Detection[] {
  const confThres = opts.confThres ?? 0.001;
  const iouThres = opts.iouThres ?? 0.6;
  const maxDet = opts.maxDet ?? 300;
  const maxNms = opts.maxNms ?? 30000;
  if (!(confThres >= 0 && confThres <= 1)) throw bad('confThres', confThres, 'use a value in [0, 1], e.g. 0.001.');
  if (!(iouThres >= 0 && iouThres <= 1)) throw bad('iouThres', iouThres, 'use a value in [0, 1], e.g. 0.6.');
  let data: Float32Array;
  let no: number;
  if (decoded instanceof Float32Array) {
    if (!Number.isInteger(opts.nc) || (opts.nc as number) < 1) {
      throw bad('nc', opts.nc, 'pass opts.nc (the class count) with a Float32Array input.');
    }
    data = decoded;
    no = 5 + (opts.nc as number);
    if (data.length % no !== 0) throw bad('decoded.length', data.length, `rows must have 5 + nc = ${no} values.`);
  } else {
    if (decoded.rank !== 2) throw bad('decoded.shape', `[${decoded.shape}]`, 'pass one image: [N, 5 + nc].');
    no = decoded.shape[1];
    data = decoded.dataSync() as Float32Array;
  }
  const nc = no - 5;
  const cand = candidates(data, no, nc, confThres, (opts.multiLabel ?? false) && nc > 1);
  const order = Array.from({ length: cand.conf.length }, (_, i) => i)
    .sort((a, b) => cand.conf[b] - cand.conf[a])
    .slice(0, maxNms);
  const kept = greedy(order, cand, iouThres, maxDet, opts.agnostic ?? false);
  const image = opts.image ?? 0;
  return kept.map((k) => ({
    image,
    cls: cand.cls[k],
    conf: cand.conf[k],
    box: [cand.box[4 * k], cand.box[4 * k + 1], cand.box[4 * k + 2], cand.box[4 * k + 3]],
  }));
}

/**
 * NMS for every image of a decoded batch [B, N, 5+nc] (a tensor, or decodeToArray's result);
 * image ids are batch indices plus `imageOffset`.
 */
export function nonMaxSuppressionBatch(
  decoded: tf.Tensor3D | { data: Float32Array; shape: [number, number, number] },
  opts: NmsOptions = {},
  imageOffset = 0,
): Detection[][] {
  const [b, n, no] = decoded.shape;
  const all = decoded instanceof tf.Tensor ? (decoded.dataSync() as Float32Array) : decoded.data;
  const out: Detection[][] = [];
  for (let i = 0; i < b; i++) {
    const rows = all.subarray(i * n * no, (i + 1) * n * no);
    out.push(nonMaxSuppression(rows, { ...opts, nc: no - 5, image: imageOffset + i }));
  }
  return out;
}

interface Candidates {
  box: number[];
  conf: number[];
  cls: number[];
}

function candidates(data: Float32Array, no: number, nc: number, confThres: number, multiLabel: boolean): Candidates {
  const out: Candidates = { box: [], conf: [], cls: [] };
  const rows = data.length / no;
  for (let r = 0; r < rows; r++) {
    const o = r * no;
    const obj = data[o + 4];
    if (!(obj > confThres)) continue;
    const [cx, cy, w, h] = [data[o], data[o + 1], data[o + 2], data[o + 3]];
    const push = (c: number, conf: number) => {
      out.box.push(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2);
      out.conf.push(conf);
      out.cls.push(c);
    };
    if (multiLabel) {
      for (let c = 0; c < nc; c++) {
        const conf = Math.fround(data[o + 5 + c] * obj);
        if (conf > confThres) push(c, conf);
      }
    } else {
      let best = 0;
      let bestConf = Math.fround(data[o + 5] * obj);
      for (let c = 1; c < nc; c++) {
        const conf = Math.fround(data[o + 5 + c] * obj);
        if (conf > bestConf) [best, bestConf] = [c, conf];
      }
      if (bestConf > confThres) push(best, bestConf);
    }
  }
  return out;
}

/**
 * Greedy suppression over candidates in descending confidence. A box survives when no kept box
 * of its class overlaps it by more than iouThres; comparing classes does what YOLOv5's
 * class-offset trick (boxes shifted by cls * 7680 px) does, without the float32 rounding.
 */
function greedy(order: number[], c: Candidates, iouThres: number, maxDet: number, agnostic: boolean): number[] {
  const kept: number[] = [];
  // Kept boxes bucketed by class, so a candidate is only compared with boxes it could suppress against.
  const buckets = new Map<number, number[]>();
  for (const i of order) {
    if (kept.length >= maxDet) break;
    const key = agnostic ? 0 : c.cls[i];
    let bucket = buckets.get(key);
    if (!bucket) buckets.set(key, (bucket = []));
    const [ax1, ay1, ax2, ay2] = [c.box[4 * i], c.box[4 * i + 1], c.box[4 * i + 2], c.box[4 * i + 3]];
    const areaA = (ax2 - ax1) * (ay2 - ay1);
    let suppressed = false;
    for (const k of bucket) {
      const iw = Math.min(ax2, c.box[4 * k + 2]) - Math.max(ax1, c.box[4 * k]);
      const ih = Math.min(ay2, c.box[4 * k + 3]) - Math.max(ay1, c.box[4 * k + 1]);
      if (iw <= 0 || ih <= 0) continue;
      const inter = iw * ih;
      const areaK = (c.box[4 * k + 2] - c.box[4 * k]) * (c.box[4 * k + 3] - c.box[4 * k + 1]);
      if (inter / (areaA + areaK - inter) > iouThres) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) {
      kept.push(i);
      bucket.push(i);
    }
  }
  return kept;
}

function bad(field: string, received: unknown, fix: string): HpoError {
  return new HpoError('YOLOV5_NMS_INPUT', `nonMaxSuppression: ${field} is invalid (received ${received}); ${fix}`, {
    userFacing: false,
  });
}

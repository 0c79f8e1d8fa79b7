/**
 * Detection metrics as YOLOv5's val.py reports them: P, R, mAP@0.5, mAP@0.5:0.95, and the
 * fitness that picks best.pt. Per image, detections are matched to truths (match.ts); the
 * flags of the whole set go through ap_per_class (ap.ts).
 */
import { HpoError } from '../../../core/index.ts';
import { apPerClass, type ApResult } from './ap.ts';
import { IOU_THRESHOLDS, matchDetections } from './match.ts';
import type { Detection, GroundTruth } from '../types.ts';

/** Validation metrics of one detection set. */
export interface DetectionMetrics {
  /** Mean over classes with truths of the precision at the max-F1 confidence. */
  precision: number;
  /** Mean over classes with truths of the recall at the max-F1 confidence. */
  recall: number;
  /** Mean over classes with truths of AP at IoU 0.5. */
  map50: number;
  /** Mean over classes with truths of AP averaged over IoU 0.50:0.05:0.95. */
  map: number;
  /** AP@0.5:0.95 per class id (length nc); NaN for classes without truths. */
  perClassAP: number[];
  /** Mean over classes with truths of F1 at the max-F1 confidence. */
  f1: number;
}

/** YOLOv5's fitness: 0.1 * mAP@0.5 + 0.9 * mAP@0.5:0.95 (P and R weigh 0). */
export function fitness(m: Pick<DetectionMetrics, 'map50' | 'map'>): number {
  return 0.1 * m.map50 + 0.9 * m.map;
}

/**
 * Scores detections against ground truth exactly as YOLOv5's val.py does. Boxes are x1,y1,x2,y2
 * in one pixel frame per image; `image` ids group them (compared with ===). Detections of an
 * image are ranked by confidence (stable), as NMS outputs them. Classes without truths are
 * left out of every mean; a set with no true positive at all scores 0 everywhere, as in val.py.
 * Pure; throws an HpoError naming the bad entry for out-of-range classes or non-finite numbers.
 */
export function evaluateDetections(predictions: Detection[], truths: GroundTruth[], nc: number): DetectionMetrics {
  return score(predictions, truths, nc).metrics;
}

/** The curves behind the metrics, per class with truths (for the P, R, F1 and PR plots); undefined with no true positive. */
export type DetectionCurves = ApResult['curves'] & { classes: number[] };

/** The P, R, F1 and PR curves YOLOv5 plots for the same detections and truths as evaluateDetections. */
export function detectionCurves(predictions: Detection[], truths: GroundTruth[], nc: number): DetectionCurves | undefined {
  return score(predictions, truths, nc).curves;
}

function score(predictions: Detection[], truths: GroundTruth[], nc: number): { metrics: DetectionMetrics; curves?: DetectionCurves } {
  checkInputs(predictions, truths, nc);
  const byImage = new Map<Detection['image'], { dets: Detection[]; gts: GroundTruth[] }>();
  const slot = (image: Detection['image']) => {
    let s = byImage.get(image);
    if (!s) byImage.set(image, (s = { dets: [], gts: [] }));
    return s;
  };
  for (const d of predictions) slot(d.image).dets.push(d);
  for (const g of truths) slot(g.image).gts.push(g);

  const nt = IOU_THRESHOLDS.length;
  const tpRows: Uint8Array[] = [];
  const conf: number[] = [];
  const predCls: number[] = [];
  for (const { dets, gts } of byImage.values()) {
    const ranked = [...dets].sort((a, b) => b.conf - a.conf);
    tpRows.push(matchDetections(ranked, gts, IOU_THRESHOLDS));
    for (const d of ranked) {
      conf.push(d.conf);
      predCls.push(d.cls);
    }
  }
  const tp = new Uint8Array(conf.length * nt);
  let offset = 0;
  for (const row of tpRows) {
    tp.set(row, offset);
    offset += row.length;
  }

  const perClassAP = new Array<number>(nc).fill(Number.NaN);
  for (const g of truths) perClassAP[g.cls] = 0;
  const zero = { precision: 0, recall: 0, map50: 0, map: 0, perClassAP, f1: 0 };
  if (!tp.some((v) => v === 1)) return { metrics: zero };

  const res = apPerClass({ tp, thresholds: nt, conf, predCls, targetCls: truths.map((g) => g.cls) });
  const apMean = res.ap.map((row) => row.reduce((s, v) => s + v, 0) / nt);
  res.classes.forEach((c, i) => (perClassAP[c] = apMean[i]));
  const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
  const metrics = {
    precision: mean(res.precision),
    recall: mean(res.recall),
    map50: mean(res.ap.map((row) => row[0])),
    map: mean(apMean),
    perClassAP,
    f1: mean(res.f1),
  };
  return { metrics, curves: { ...res.curves, classes: res.classes } };
}

function bad(field: string, received: unknown, fix: string): HpoError {
  return new HpoError('YOLOV5_METRICS_INPUT', `evaluateDetections: ${field} is invalid (received ${received}); ${fix}`);
}

function checkInputs(predictions: Detection[], truths: GroundTruth[], nc: number): void {
  if (!Number.isInteger(nc) || nc < 1) throw bad('nc', nc, 'pass the number of classes (an integer >= 1).');
  const checkBox = (name: string, box: readonly number[]) => {
    if (box.length !== 4 || !box.every(Number.isFinite)) {
      throw bad(`${name}.box`, JSON.stringify(box), 'use four finite numbers x1, y1, x2, y2 in pixels.');
    }
  };
  const checkCls = (name: string, cls: number) => {
    if (!Number.isInteger(cls) || cls < 0 || cls >= nc) {
      throw bad(`${name}.cls`, cls, `use an integer class id in [0, ${nc - 1}] (nc = ${nc}).`);
    }
  };
  predictions.forEach((d, i) => {
    checkCls(`predictions[${i}]`, d.cls);
    checkBox(`predictions[${i}]`, d.box);
    if (!Number.isFinite(d.conf)) throw bad(`predictions[${i}].conf`, d.conf, 'use a finite confidence in [0, 1].');
  });
  truths.forEach((g, i) => {
    checkCls(`truths[${i}]`, g.cls);
    checkBox(`truths[${i}]`, g.box);
  });
}

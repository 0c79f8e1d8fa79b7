/**
 * YOLOv5's confusion matrix (utils/metrics.py, ConfusionMatrix.process_batch), computed per
 * image: detections above `conf` are matched to ground truths with IoU above `iou`, each truth
 * and each detection at most once (highest IoU first). Rows are predicted classes, columns true
 * classes; index `nc` is the background row (a truth nothing found) and column (a detection
 * that matched nothing). As in YOLOv5, unmatched detections count as background only in images
 * where at least one match was made.
 */
import { boxIou } from '../loss/box.ts';
import type { Detection, GroundTruth } from '../types.ts';

export const CONFUSION_CONF = 0.25;
export const CONFUSION_IOU = 0.45;

export interface ConfusionMatrix {
  nc: number;
  /** (nc + 1) x (nc + 1) counts, `counts[predicted][true]`. */
  counts: number[][];
}

export function confusionMatrix(
  detections: readonly Detection[],
  truths: readonly GroundTruth[],
  nc: number,
  options: { conf?: number; iou?: number } = {},
): ConfusionMatrix {
  const conf = options.conf ?? CONFUSION_CONF;
  const iouThres = options.iou ?? CONFUSION_IOU;
  const counts = Array.from({ length: nc + 1 }, () => new Array<number>(nc + 1).fill(0));
  const images = new Set<number | string>([...truths.map((t) => t.image), ...detections.map((d) => d.image)]);
  for (const image of images) {
    const dets = detections.filter((d) => d.image === image && d.conf > conf);
    const gts = truths.filter((t) => t.image === image);
    const matches = matchOnce(gts, dets, iouThres);
    for (let g = 0; g < gts.length; g++) {
      const d = matches.byTruth.get(g);
      if (d !== undefined) counts[dets[d].cls][gts[g].cls] += 1;
      else counts[nc][gts[g].cls] += 1;
    }
    if (matches.byTruth.size > 0) {
      for (let d = 0; d < dets.length; d++) if (!matches.byDetection.has(d)) counts[dets[d].cls][nc] += 1;
    }
  }
  return { nc, counts };
}

/** Column-normalized matrix (each true class sums to 1), as YOLOv5 plots it. */
export function normalizeColumns(matrix: ConfusionMatrix): number[][] {
  const n = matrix.nc + 1;
  const sums = Array.from({ length: n }, (_, j) => matrix.counts.reduce((s, row) => s + row[j], 0));
  return matrix.counts.map((row) => row.map((v, j) => v / (sums[j] + 1e-9)));
}

/**
 * YOLOv5's matching: pairs above the IoU threshold, best IoU first; each detection keeps its
 * best truth, then each truth its best remaining detection. (Not a greedy one-to-one matching:
 * a truth whose best detection chose another truth stays unmatched, as in YOLOv5.)
 */
function matchOnce(gts: readonly GroundTruth[], dets: readonly Detection[], iouThres: number) {
  const pairs: { g: number; d: number; iou: number }[] = [];
  for (let g = 0; g < gts.length; g++) {
    for (let d = 0; d < dets.length; d++) {
      const iou = boxIou(gts[g].box, dets[d].box);
      if (iou > iouThres) pairs.push({ g, d, iou });
    }
  }
  const byIou = (a: { iou: number }, b: { iou: number }) => b.iou - a.iou;
  const firstPer = (list: typeof pairs, key: 'g' | 'd') => {
    const seen = new Set<number>();
    return list.filter((p) => !seen.has(p[key]) && (seen.add(p[key]), true));
  };
  const kept = firstPer(firstPer(pairs.sort(byIou), 'd').sort(byIou), 'g');
  return {
    byTruth: new Map(kept.map((p) => [p.g, p.d])),
    byDetection: new Map(kept.map((p) => [p.d, p.g])),
  };
}

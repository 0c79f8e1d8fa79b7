/**
 * Which detections of one image are true positives at each IoU threshold: YOLOv5's
 * val.py process_batch. At each threshold, every detection first takes its highest-IoU
 * same-class truth among those at IoU >= threshold; then each truth keeps only the
 * earliest such detection (detections come in descending confidence, as NMS returns them).
 */
import { boxIou, type Xyxy } from '../loss/box.ts';

/** YOLOv5's IoU thresholds for mAP@0.5:0.95: 0.50, 0.55, ..., 0.95, in float32 as torch.linspace makes them. */
export const IOU_THRESHOLDS: readonly number[] = Array.from({ length: 10 }, (_, i) => Math.fround(0.5 + 0.05 * i));

/** A box with a class, in pixels. */
export interface ClassedBox {
  cls: number;
  box: Xyxy;
}

/**
 * Returns [detections.length * thresholds.length] flags, row-major (detection, threshold).
 * `detections` must already be in descending confidence order.
 */
export function matchDetections(
  detections: readonly ClassedBox[],
  truths: readonly ClassedBox[],
  thresholds: readonly number[] = IOU_THRESHOLDS,
): Uint8Array {
  const nd = detections.length;
  const nt = thresholds.length;
  const correct = new Uint8Array(nd * nt);
  if (nd === 0 || truths.length === 0) return correct;
  // Candidate pairs (truth, detection, iou) with matching class and IoU above the lowest threshold.
  const pairs: { t: number; d: number; iou: number }[] = [];
  const lowest = Math.min(...thresholds);
  for (let t = 0; t < truths.length; t++) {
    for (let d = 0; d < nd; d++) {
      if (truths[t].cls !== detections[d].cls) continue;
      // float32, as val.py compares torch float32 IoUs with float32 thresholds.
      const iou = Math.fround(boxIou(truths[t].box, detections[d].box));
      if (iou >= lowest) pairs.push({ t, d, iou });
    }
  }
  pairs.sort((a, b) => b.iou - a.iou);
  for (let k = 0; k < nt; k++) {
    const thr = thresholds[k];
    // Best truth per detection (pairs are in descending IoU, so the first seen wins).
    const bestTruth = new Int32Array(nd).fill(-1);
    for (const p of pairs) if (p.iou >= thr && bestTruth[p.d] < 0) bestTruth[p.d] = p.t;
    // Each truth goes to the first detection (lowest index) that chose it.
    const taken = new Uint8Array(truths.length);
    for (let d = 0; d < nd; d++) {
      const t = bestTruth[d];
      if (t >= 0 && !taken[t]) {
        taken[t] = 1;
        correct[d * nt + k] = 1;
      }
    }
  }
  return correct;
}

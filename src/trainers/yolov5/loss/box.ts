/**
 * Plain-number box geometry shared by NMS, metrics and tests (no tensors).
 * Boxes are x1,y1,x2,y2 unless a name says xywh (centre x, centre y, width, height).
 * Follows YOLOv5 utils/metrics.py (box_iou, bbox_iou) including its epsilons, so that
 * ties and near-threshold matches fall the same way as in YOLOv5.
 */

/** A corner box: x1, y1, x2, y2. */
export type Xyxy = readonly [number, number, number, number];

/** The epsilon YOLOv5 adds to IoU denominators (box_iou, bbox_iou). */
export const IOU_EPS = 1e-7;

/** Converts one centre-size box to corners. */
export function xywhToXyxy(cx: number, cy: number, w: number, h: number): [number, number, number, number] {
  return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
}

/** IoU of two corner boxes, as YOLOv5's box_iou: inter / (area1 + area2 - inter + 1e-7). */
export function boxIou(a: Xyxy, b: Xyxy): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  const inter = Math.max(iw, 0) * Math.max(ih, 0);
  const areaA = (a[2] - a[0]) * (a[3] - a[1]);
  const areaB = (b[2] - b[0]) * (b[3] - b[1]);
  return inter / (areaA + areaB - inter + IOU_EPS);
}

/**
 * Complete IoU of two centre-size boxes, as YOLOv5's bbox_iou(xywh=True, CIoU=True):
 * IoU - (centre distance^2 / enclosing diagonal^2 + alpha * v), with
 * v = 4/pi^2 (atan(w2/h2) - atan(w1/h1))^2 and alpha = v / (v - IoU + 1 + eps).
 * The reference value that the tensor version in ciou.ts is tested against.
 */
export function ciouXywh(b1: Xyxy, b2: Xyxy, eps = IOU_EPS): number {
  const [x1, y1, w1, h1] = b1;
  const [x2, y2, w2, h2] = b2;
  const [ax1, ay1, ax2, ay2] = xywhToXyxy(x1, y1, w1, h1);
  const [bx1, by1, bx2, by2] = xywhToXyxy(x2, y2, w2, h2);
  const inter =
    Math.max(Math.min(ax2, bx2) - Math.max(ax1, bx1), 0) * Math.max(Math.min(ay2, by2) - Math.max(ay1, by1), 0);
  const union = w1 * h1 + w2 * h2 - inter + eps;
  const iou = inter / union;
  const cw = Math.max(ax2, bx2) - Math.min(ax1, bx1);
  const ch = Math.max(ay2, by2) - Math.min(ay1, by1);
  const c2 = cw * cw + ch * ch + eps;
  const rho2 = ((bx1 + bx2 - ax1 - ax2) ** 2 + (by1 + by2 - ay1 - ay2) ** 2) / 4;
  const v = (4 / Math.PI ** 2) * (Math.atan(w2 / h2) - Math.atan(w1 / h1)) ** 2;
  const alpha = v / (v - iou + (1 + eps));
  return iou - (rho2 / c2 + v * alpha);
}

/**
 * Complete IoU of a predicted box against a target box, with its gradient w.r.t. the predicted
 * centre and size, as YOLOv5's bbox_iou(xywh=True, CIoU=True) in utils/metrics.py (Zheng et al.,
 * "Distance-IoU Loss", AAAI 2020): CIoU = IoU - rho^2/c^2 - alpha*v, alpha held constant
 * (YOLOv5 computes it under torch.no_grad). Derivatives of min/max split ties in half, as
 * PyTorch's minimum/maximum do; the clamp of the intersection passes gradient at 0, as clamp does.
 * The value-only twin `ciouXywh` in box.ts is the independent check.
 */
import { IOU_EPS } from './box.ts';

const K = 4 / Math.PI ** 2;

/** Share of d min(a, b) that goes to a. */
const minShare = (a: number, b: number) => (a < b ? 1 : a === b ? 0.5 : 0);
/** Share of d max(a, b) that goes to a. */
const maxShare = (a: number, b: number) => (a > b ? 1 : a === b ? 0.5 : 0);

/**
 * CIoU of pred (px, py, pw, ph) vs target (tx, ty, tw, th), centre-size boxes in one unit.
 * Writes d CIoU / d (px, py, pw, ph) to grad[0..3] and returns CIoU.
 */
export function ciouWithGrad(p: ArrayLike<number>, t: ArrayLike<number>, grad: Float64Array): number {
  const [px, py, pw, ph] = [p[0], p[1], p[2], p[3]];
  const [tx, ty, tw, th] = [t[0], t[1], t[2], t[3]];
  const a1x = px - pw / 2, a2x = px + pw / 2, a1y = py - ph / 2, a2y = py + ph / 2;
  const b1x = tx - tw / 2, b2x = tx + tw / 2, b1y = ty - th / 2, b2y = ty + th / 2;

  const iwRaw = Math.min(a2x, b2x) - Math.max(a1x, b1x);
  const ihRaw = Math.min(a2y, b2y) - Math.max(a1y, b1y);
  const iw = Math.max(iwRaw, 0);
  const ih = Math.max(ihRaw, 0);
  const inter = iw * ih;
  const union = pw * ph + tw * th - inter + IOU_EPS;
  const iou = inter / union;

  const cw = Math.max(a2x, b2x) - Math.min(a1x, b1x);
  const ch = Math.max(a2y, b2y) - Math.min(a1y, b1y);
  const c2 = cw * cw + ch * ch + IOU_EPS;
  const sx = b1x + b2x - a1x - a2x;
  const sy = b1y + b2y - a1y - a2y;
  const rho2 = (sx * sx + sy * sy) / 4;

  const r = pw / ph;
  const dAtan = Math.atan(tw / th) - Math.atan(r);
  const v = K * dAtan * dAtan;
  const alpha = v / (v - iou + (1 + IOU_EPS));
  const ciou = iou - (rho2 / c2 + v * alpha);

  // Reverse pass. d ciou / d iou = 1, / d (rho2/c2) = -1, / d v = -alpha.
  const gInter = (union + inter) / (union * union); // union also falls as inter grows
  const gAreaP = -inter / (union * union);
  const gIw = iwRaw >= 0 ? gInter * ih : 0;
  const gIh = ihRaw >= 0 ? gInter * iw : 0;
  let ga1x = -gIw * maxShare(a1x, b1x);
  let ga2x = gIw * minShare(a2x, b2x);
  let ga1y = -gIh * maxShare(a1y, b1y);
  let ga2y = gIh * minShare(a2y, b2y);

  const gRho2 = -1 / c2;
  const gC2 = rho2 / (c2 * c2);
  const gCw = gC2 * 2 * cw;
  const gCh = gC2 * 2 * ch;
  ga2x += gCw * maxShare(a2x, b2x);
  ga1x -= gCw * minShare(a1x, b1x);
  ga2y += gCh * maxShare(a2y, b2y);
  ga1y -= gCh * minShare(a1y, b1y);
  ga1x -= (gRho2 * sx) / 2;
  ga2x -= (gRho2 * sx) / 2;
  ga1y -= (gRho2 * sy) / 2;
  ga2y -= (gRho2 * sy) / 2;

  // v = K (atan(tw/th) - atan(pw/ph))^2
  const gV = -alpha;
  const dvdr = 2 * K * dAtan * (-1 / (1 + r * r));
  let gpw = gV * dvdr / ph + gAreaP * ph;
  let gph = gV * dvdr * (-pw / (ph * ph)) + gAreaP * pw;

  grad[0] = ga1x + ga2x;
  grad[1] = ga1y + ga2y;
  gpw += (ga2x - ga1x) / 2;
  gph += (ga2y - ga1y) / 2;
  grad[2] = gpw;
  grad[3] = gph;
  return ciou;
}

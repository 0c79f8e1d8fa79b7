/**
 * Binary cross-entropy on one logit with a positive-class weight, optionally wrapped in focal
 * loss, and its derivative: PyTorch's BCEWithLogitsLoss(pos_weight) and YOLOv5's FocalLoss
 * (utils/loss.py, after TF-Addons): loss *= (t*a + (1-t)*(1-a)) * (1 - p_t)^gamma.
 */

/** Options of one BCE criterion (YOLOv5's BCEcls or BCEobj). */
export interface BceOptions {
  /** pos_weight: hyp.cls_pw or hyp.obj_pw. */
  posWeight: number;
  /** Focal gamma (hyp.fl_gamma); 0 means plain BCE. */
  focalGamma: number;
  /** Focal alpha; YOLOv5 uses 0.25. */
  focalAlpha: number;
}

/**
 * Loss of logit `z` against target `t` in [0, 1], and d loss / d z, written to out[0], out[1]
 * (an out-parameter so the hot loops allocate nothing).
 * -[pw t log s(z) + (1-t) log(1-s(z))] = (1-t) z + (1 + (pw-1) t) softplus(-z).
 */
export function bceLogit(z: number, t: number, o: BceOptions, out: Float64Array): void {
  const w = 1 + (o.posWeight - 1) * t;
  const spNeg = Math.max(-z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
  const p = 1 / (1 + Math.exp(-z));
  const loss = (1 - t) * z + w * spNeg;
  const dLoss = 1 - t - w * (1 - p);
  if (o.focalGamma > 0) {
    const g = o.focalGamma;
    const pt = t * p + (1 - t) * (1 - p);
    const af = t * o.focalAlpha + (1 - t) * (1 - o.focalAlpha);
    // The floor keeps the power's derivative finite where the sigmoid saturates.
    const base = Math.max(1 - pt, 1e-12);
    const mod = base ** g;
    const dMod = g * base ** (g - 1) * -(2 * t - 1) * p * (1 - p); // d(1 - pt)/dz = -(2t - 1) p (1 - p)
    out[0] = loss * af * mod;
    out[1] = af * (dLoss * mod + loss * dMod);
  } else {
    out[0] = loss;
    out[1] = dLoss;
  }
}

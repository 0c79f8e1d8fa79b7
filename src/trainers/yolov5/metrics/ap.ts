/**
 * Average precision per class, as YOLOv5's utils/metrics.py computes it (ap_per_class,
 * compute_ap, smooth), with numpy.interp's exact conventions (duplicates, end points) so that
 * results agree with YOLOv5 to rounding:
 * - AP: recall/precision curves padded with sentinels [0, r..., 1] and [1, p..., 0], the
 *   precision envelope (running max from the right), sampled at 101 recall points
 *   (COCO) and integrated with the trapezoid rule. A perfect detector therefore scores 0.995.
 * - P and R: per-class curves sampled at 1000 confidences, F1 of the class-mean, smoothed by
 *   a box filter of 10 %, taken at its first maximum.
 */

const EPS = 1e-16;
const AP_POINTS = 101;
const CURVE_POINTS = 1000;

/** numpy.interp for one x over ascending (possibly repeated) xp, with numpy's tie and end rules. */
export function npInterp(x: number, xp: ArrayLike<number>, fp: ArrayLike<number>, left: number, right: number): number {
  const n = xp.length;
  if (n === 1) return x < xp[0] ? left : x > xp[0] ? right : fp[0];
  if (x > xp[n - 1]) return right;
  if (x < xp[0]) return left;
  // Last j with xp[j] <= x (numpy's binary_search_with_guess invariant xp[j] <= x < xp[j+1]).
  let lo = 0;
  let hi = n - 1;
  if (xp[hi] <= x) lo = hi;
  else {
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (xp[mid] <= x) lo = mid;
      else hi = mid;
    }
  }
  if (lo === n - 1 || xp[lo] === x) return fp[lo];
  const slope = (fp[lo + 1] - fp[lo]) / (xp[lo + 1] - xp[lo]);
  let y = slope * (x - xp[lo]) + fp[lo];
  if (Number.isNaN(y)) {
    y = slope * (x - xp[lo + 1]) + fp[lo + 1];
    if (Number.isNaN(y) && fp[lo] === fp[lo + 1]) y = fp[lo];
  }
  return y;
}

/** Evenly spaced points from a to b inclusive, computed as numpy.linspace does. */
export function linspace(a: number, b: number, n: number): Float64Array {
  const out = new Float64Array(n);
  const step = (b - a) / (n - 1);
  for (let i = 0; i < n; i++) out[i] = a + i * step;
  out[n - 1] = b;
  return out;
}

/** The padded recall/precision curve and its precision envelope (running max from the right), as compute_ap builds them. */
export function precisionEnvelope(recall: ArrayLike<number>, precision: ArrayLike<number>): { mrec: Float64Array; mpre: Float64Array } {
  const n = recall.length + 2;
  const mrec = new Float64Array(n);
  const mpre = new Float64Array(n);
  mrec[0] = 0;
  mpre[0] = 1;
  for (let i = 0; i < recall.length; i++) {
    mrec[i + 1] = recall[i];
    mpre[i + 1] = precision[i];
  }
  mrec[n - 1] = 1;
  mpre[n - 1] = 0;
  for (let i = n - 2; i >= 0; i--) if (mpre[i + 1] > mpre[i]) mpre[i] = mpre[i + 1];
  return { mrec, mpre };
}

/** AP of one recall/precision curve (recall ascending), YOLOv5's compute_ap with the 'interp' method. */
export function computeAp(recall: ArrayLike<number>, precision: ArrayLike<number>): number {
  const { mrec, mpre } = precisionEnvelope(recall, precision);
  const n = mrec.length;
  const x = linspace(0, 1, AP_POINTS);
  let area = 0;
  let prev = npInterp(x[0], mrec, mpre, mpre[0], mpre[n - 1]);
  for (let i = 1; i < AP_POINTS; i++) {
    const y = npInterp(x[i], mrec, mpre, mpre[0], mpre[n - 1]);
    area += ((x[i] - x[i - 1]) * (y + prev)) / 2;
    prev = y;
  }
  return area;
}

/** YOLOv5's smooth(): box filter of fraction f with edge padding, same length as y. */
export function smooth(y: ArrayLike<number>, f: number): Float64Array {
  const nf = Math.floor(Math.round(y.length * f * 2) / 2) + 1;
  const pad = Math.floor(nf / 2);
  const n = y.length;
  const at = (i: number) => (i < 0 ? y[0] : i >= n ? y[n - 1] : y[i]);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = i - pad; k <= i + pad; k++) s += at(k);
    out[i] = s / nf;
  }
  return out;
}

/** Flattened detections of a whole validation set, in any order. */
export interface ApInput {
  /** [N, T] row-major: whether detection n is a true positive at IoU threshold t. */
  tp: Uint8Array;
  /** Number of IoU thresholds T. */
  thresholds: number;
  conf: ArrayLike<number>;
  predCls: ArrayLike<number>;
  /** One entry per ground-truth box: its class. */
  targetCls: ArrayLike<number>;
}

/** Per-class results, for the classes that have ground truth (ascending). */
export interface ApResult {
  classes: number[];
  /** ap[c][t]: AP of classes[c] at threshold t. */
  ap: number[][];
  precision: number[];
  recall: number[];
  f1: number[];
  /**
   * The curves YOLOv5 plots, per class in `classes` order, over `px` (1000 points in [0, 1]):
   * precision, recall and F1 against confidence, and precision against recall (`pr`, the
   * envelope at IoU 0.5).
   */
  curves: { px: Float64Array; precision: Float64Array[]; recall: Float64Array[]; f1: Float64Array[]; pr: Float64Array[] };
}

/** YOLOv5's ap_per_class: AP per class and threshold, and P, R, F1 at the max-F1 confidence. */
export function apPerClass(input: ApInput): ApResult {
  const { tp, thresholds: nt, conf, predCls, targetCls } = input;
  const order = Array.from({ length: conf.length }, (_, i) => i).sort((a, b) => conf[b] - conf[a]);
  const counts = new Map<number, number>();
  for (let i = 0; i < targetCls.length; i++) counts.set(targetCls[i], (counts.get(targetCls[i]) ?? 0) + 1);
  const classes = [...counts.keys()].sort((a, b) => a - b);
  const px = linspace(0, 1, CURVE_POINTS);
  const ap = classes.map(() => new Array<number>(nt).fill(0));
  const pCurves = classes.map(() => new Float64Array(CURVE_POINTS));
  const rCurves = classes.map(() => new Float64Array(CURVE_POINTS));
  const prCurves = classes.map(() => new Float64Array(CURVE_POINTS));

  classes.forEach((c, ci) => {
    const idx = order.filter((i) => predCls[i] === c);
    const nl = counts.get(c) ?? 0;
    if (idx.length === 0 || nl === 0) return;
    const negConf = Float64Array.from(idx, (i) => -conf[i]);
    for (let t = 0; t < nt; t++) {
      const recall = new Float64Array(idx.length);
      const precision = new Float64Array(idx.length);
      let tpc = 0;
      let fpc = 0;
      idx.forEach((i, k) => {
        if (tp[i * nt + t]) tpc++;
        else fpc++;
        recall[k] = tpc / (nl + EPS);
        precision[k] = tpc / (tpc + fpc);
      });
      ap[ci][t] = computeAp(recall, precision);
      if (t === 0) {
        const { mrec, mpre } = precisionEnvelope(recall, precision);
        for (let k = 0; k < CURVE_POINTS; k++) prCurves[ci][k] = npInterp(px[k], mrec, mpre, mpre[0], mpre[mpre.length - 1]);
        const last = idx.length - 1;
        for (let k = 0; k < CURVE_POINTS; k++) {
          rCurves[ci][k] = npInterp(-px[k], negConf, recall, 0, recall[last]);
          pCurves[ci][k] = npInterp(-px[k], negConf, precision, 1, precision[last]);
        }
      }
    }
  });

  const f1Curves = classes.map((_, ci) =>
    pCurves[ci].map((p, k) => (2 * p * rCurves[ci][k]) / (p + rCurves[ci][k] + EPS)),
  );
  const meanF1 = new Float64Array(CURVE_POINTS);
  for (let k = 0; k < CURVE_POINTS; k++) {
    let s = 0;
    for (const f of f1Curves) s += f[k];
    meanF1[k] = classes.length ? s / classes.length : 0;
  }
  const smoothed = smooth(meanF1, 0.1);
  let best = 0;
  for (let k = 1; k < CURVE_POINTS; k++) if (smoothed[k] > smoothed[best]) best = k;
  return {
    classes,
    ap,
    precision: pCurves.map((p) => p[best]),
    recall: rCurves.map((r) => r[best]),
    f1: f1Curves.map((f) => f[best]),
    curves: { px, precision: pCurves, recall: rCurves, f1: f1Curves, pr: prCurves },
  };
}

/**
 * Learning-curve extrapolation: fit a trial's intermediate values with small saturating
 * parametric families and predict the value at a later epoch.
 * Source: Domhan, Springenberg, Hutter, "Speeding up Automatic Hyperparameter Optimization of Deep
 * Neural Networks by Extrapolation of Learning Curves" (IJCAI 2015), Table 1 (the pow3, Weibull,
 * MMF and ilog2 families) and eq. 1 (a weighted combination of families).
 *
 * Every family used here is `y = a + b * g(x; theta)` with `g` increasing in x, so for a fixed shape
 * `theta` the best (a, b) is ordinary least squares in closed form (variable projection). The
 * shape is chosen from a fixed grid (`g` on the integer epoch axis is tabulated once per family),
 * then polished by golden-section search around the grid point: deterministic, cheap, and it cannot
 * diverge the way Newton steps on these families can. `b` is clamped to >= 0 so a
 * curve is never extrapolated as getting worse. Instead of Domhan's MCMC over the combination
 * weights, families are weighted by their Akaike weight (Burnham & Anderson 2002, eq. 2.14):
 * w ∝ exp(-AIC / 2), AIC = n ln(SSE / n) + 2k, which puts the weight where a family explains the
 * prefix best without a sampler. The uncertainty is not modelled here: the pruner calibrates it
 * on completed trials (see curve.ts).
 *
 * Axis: x = epochs of training = report step + 1, values oriented so that larger is better.
 */

/** One family `y = a + b * g(x; theta)`; `thetas` is its shape grid. */
interface Family {
  readonly name: string;
  /** Nonlinear parameters counted for the AIC, on top of a and b. */
  readonly shapeParams: number;
  readonly thetas: readonly (readonly number[])[];
  readonly g: (x: number, theta: readonly number[]) => number;
}

const logspace = (lo: number, hi: number, n: number): number[] => Array.from({ length: n }, (_, i) => lo * (hi / lo) ** (i / (n - 1)));
const linspace = (lo: number, hi: number, n: number): number[] => Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
const grid = (a: number[], b: number[]): number[][] => a.flatMap((x) => b.map((y) => [x, y]));

/** The families (Domhan et al. Table 1), each reduced to the linear-in-(a, b) form. */
export const FAMILIES: readonly Family[] = [
  // pow3: c - a x^-alpha
  { name: 'pow3', shapeParams: 1, thetas: logspace(0.05, 4, 40).map((c) => [c]), g: (x, [c]) => -(x ** -c) },
  // Weibull: alpha - (alpha - beta) exp(-(kappa x)^delta); delta = 1 is exp3.
  { name: 'weibull', shapeParams: 2, thetas: grid(logspace(0.005, 1, 36), linspace(0.5, 3, 11)), g: (x, [k, d]) => -Math.exp(-((k * x) ** d)) },
  // MMF: alpha - (alpha - beta) / (1 + (kappa x)^delta), a log-logistic curve.
  { name: 'mmf', shapeParams: 2, thetas: grid(logspace(0.005, 2, 36), linspace(0.5, 4, 11)), g: (x, [k, d]) => -1 / (1 + (k * x) ** d) },
  // ilog2: c - a / log(x + 1) (shifted so x = 1 is defined); no shape parameter.
  { name: 'ilog2', shapeParams: 0, thetas: [[]], g: (x) => -1 / Math.log(x + 1) },
];

/** g tabulated on x = 1..length-1 per family and theta; grows on demand, never shrinks. */
const tables = new Map<string, Float64Array[]>();

function table(family: Family, maxX: number): Float64Array[] {
  const have = tables.get(family.name);
  if (have && have[0].length > maxX) return have;
  const size = Math.max(maxX + 1, 2 * (have?.[0].length ?? 32));
  const rows = family.thetas.map((theta) => {
    const row = new Float64Array(size);
    for (let x = 1; x < size; x++) row[x] = family.g(x, theta);
    return row;
  });
  tables.set(family.name, rows);
  return rows;
}

/** A fitted family: its prediction at the horizon and how well it explained the prefix. */
export interface FamilyFit {
  family: string;
  sse: number;
  prediction: number;
}

/** Least-squares (a, b >= 0) for fixed g values; returns the SSE and the prediction at gAtHorizon. */
function solveLinear(gs: ArrayLike<number>, ys: readonly number[], gAtHorizon: number): { sse: number; prediction: number } {
  const n = ys.length;
  let sg = 0;
  let sy = 0;
  let sgg = 0;
  let sgy = 0;
  for (let i = 0; i < n; i++) {
    sg += gs[i];
    sy += ys[i];
    sgg += gs[i] * gs[i];
    sgy += gs[i] * ys[i];
  }
  const vg = sgg - (sg * sg) / n;
  const b = vg > 1e-14 ? Math.max(0, (sgy - (sg * sy) / n) / vg) : 0;
  const a = (sy - b * sg) / n;
  let sse = 0;
  for (let i = 0; i < n; i++) {
    const r = ys[i] - a - b * gs[i];
    sse += r * r;
  }
  return { sse, prediction: a + b * gAtHorizon };
}

/**
 * Least-squares fit of one family to integer `xs` (>= 1); predicts at integer `horizon`. The grid
 * picks the basin; a golden-section search per shape parameter, within one grid step on each side,
 * then polishes it (the grid alone is off by up to half a step, which shows at the horizon).
 */
export function fitFamily(family: Family, xs: readonly number[], ys: readonly number[], horizon: number): FamilyFit {
  const rows = table(family, Math.max(horizon, xs[xs.length - 1]));
  const gs = new Float64Array(xs.length);
  let bestIndex = 0;
  let best = { sse: Infinity, prediction: NaN };
  rows.forEach((row, j) => {
    for (let i = 0; i < xs.length; i++) gs[i] = row[xs[i]];
    const fit = solveLinear(gs, ys, row[horizon]);
    if (fit.sse < best.sse) [best, bestIndex] = [fit, j];
  });
  const theta = [...family.thetas[bestIndex]];
  const evaluate = (t: readonly number[]) => {
    for (let i = 0; i < xs.length; i++) gs[i] = family.g(xs[i], t);
    return solveLinear(gs, ys, family.g(horizon, t));
  };
  const brackets = theta.map((v, d) => {
    const values = [...new Set(family.thetas.map((t) => t[d]))].sort((a, b) => a - b);
    const at = values.indexOf(v);
    return [values[Math.max(0, at - 1)], values[Math.min(values.length - 1, at + 1)]];
  });
  for (let round = 0; round < 4; round++) {
    for (let d = 0; d < theta.length; d++) {
      theta[d] = goldenMin((v) => evaluate(theta.map((t, i) => (i === d ? v : t))).sse, brackets[d][0], brackets[d][1]);
    }
  }
  const polished = evaluate(theta);
  if (polished.sse < best.sse) best = polished;
  return { family: family.name, ...best };
}

/** Golden-section search for the minimum of `f` on [lo, hi]; 20 steps shrink the bracket 15000-fold. */
function goldenMin(f: (x: number) => number, lo: number, hi: number): number {
  const r = (Math.sqrt(5) - 1) / 2;
  let a = lo;
  let b = hi;
  let c = b - r * (b - a);
  let d = a + r * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let i = 0; i < 20; i++) {
    if (fc < fd) {
      [b, d, fd] = [d, c, fc];
      c = b - r * (b - a);
      fc = f(c);
    } else {
      [a, c, fc] = [c, d, fd];
      d = a + r * (b - a);
      fd = f(d);
    }
  }
  return (a + b) / 2;
}

/**
 * The Akaike-weighted prediction of all families at `horizon` for the points (xs, ys), larger is
 * better. Needs at least 3 points; returns the last value when the prefix is too short to fit.
 */
export function extrapolate(xs: readonly number[], ys: readonly number[], horizon: number): number {
  const n = xs.length;
  if (n < 3) return ys[n - 1];
  const fits = FAMILIES.filter((f) => f.shapeParams + 2 < n).map((f) => ({ fit: fitFamily(f, xs, ys, horizon), k: f.shapeParams + 2 }));
  // A tiny floor keeps ln(SSE) finite on exact fits (synthetic, noise-free curves).
  const scale = Math.max(1e-12, ys.reduce((m, y) => Math.max(m, Math.abs(y)), 0) ** 2 * 1e-12);
  const aic = fits.map(({ fit, k }) => n * Math.log(Math.max(fit.sse, scale) / n) + 2 * k);
  const minAic = Math.min(...aic);
  let wsum = 0;
  let sum = 0;
  fits.forEach(({ fit }, i) => {
    const w = Math.exp(-(aic[i] - minAic) / 2);
    wsum += w;
    sum += w * fit.prediction;
  });
  return sum / wsum;
}

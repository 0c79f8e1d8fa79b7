/**
 * Standard normal distribution helpers shared by TPE (truncated normals) and GP (log expected
 * improvement). Sources:
 * - erfc: the Chebyshev-fitted form of Numerical Recipes in C (2nd ed., §6.2, `erfcc`), relative
 *   error < 1.2e-7 everywhere. Its shape `t * exp(-x^2 + poly(t))` lets us take logs analytically,
 *   so tail probabilities never underflow (`logErfc`, `erfcx`).
 * - quantile: P. J. Acklam's rational approximation (2003) plus one Halley step against `normCdf`.
 * - log EI: Ament et al., "Unexpected improvements to expected improvement" (NeurIPS 2023), §4:
 *   evaluate log(phi(z) + z Phi(z)) through the Mills ratio in the left tail.
 */

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const SQRT1_2 = Math.SQRT1_2;

/** log(erfc(x) * exp(x^2)) for x >= 0, i.e. log of the scaled complementary error function. */
function logErfcxNonNeg(x: number): number {
  const t = 1 / (1 + 0.5 * x);
  const poly =
    -1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return Math.log(t) + poly;
}

/** Complementary error function (relative error < 1.2e-7). */
export function erfc(x: number): number {
  if (x >= 0) return Math.exp(logErfcxNonNeg(x) - x * x);
  return 2 - Math.exp(logErfcxNonNeg(-x) - x * x);
}

/** log(erfc(x)); finite for any finite x (no underflow in the right tail). */
export function logErfc(x: number): number {
  if (x >= 0) return logErfcxNonNeg(x) - x * x;
  return Math.log(erfc(x));
}

/** Standard normal CDF. */
export function normCdf(z: number): number {
  return 0.5 * erfc(-z * SQRT1_2);
}

/** log of the standard normal CDF; finite far into the left tail. */
export function logNormCdf(z: number): number {
  if (z < 0) return Math.log(0.5) + logErfc(-z * SQRT1_2);
  return Math.log1p(-0.5 * erfc(z * SQRT1_2));
}

/** log of the standard normal density. */
export function logNormPdf(z: number): number {
  return -0.5 * z * z - LOG_SQRT_2PI;
}

export function normPdf(z: number): number {
  return Math.exp(logNormPdf(z));
}

/** Inverse of normCdf for p in (0, 1); returns +-Infinity at 0 and 1. */
export function normQuantile(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pLow = 0.02425;
  let x: number;
  if (p < pLow) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - pLow) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  // One Halley step against our own CDF keeps quantile(cdf(z)) consistent to ~1e-7.
  const e = normCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp(0.5 * x * x);
  const refined = x - u / (1 + 0.5 * x * u);
  return Number.isFinite(refined) ? refined : x;
}

/**
 * log(phi(z) + z * Phi(z)): the log of expected improvement of a unit normal over a threshold
 * z standard deviations above its mean. Finite for every finite z (EI itself underflows to 0
 * below z ~ -38).
 */
export function logH(z: number): number {
  if (z > -1) return Math.log(normPdf(z) + z * normCdf(z));
  const a = -z;
  if (a < 12) {
    // phi(z) + z Phi(z) = phi(z) * (1 - a * R(a)), R = Mills ratio = erfcx(a / sqrt2) * sqrt(pi / 2).
    const millsRatio = Math.exp(logErfcxNonNeg(a * SQRT1_2)) * Math.sqrt(Math.PI / 2);
    return logNormPdf(z) + Math.log(Math.max(1 - a * millsRatio, Number.MIN_VALUE));
  }
  // Asymptotic series 1 - a R(a) = sum_k (-1)^(k+1) (2k-1)!! / a^(2k); the first dropped term is
  // below 2e-8 relative for a >= 12.
  const t = 1 / (a * a);
  const series = t * (1 - t * (3 - t * (15 - t * (105 - t * (945 - t * (10395 - t * 135135))))));
  return logNormPdf(z) + Math.log(series);
}

/**
 * Matérn-5/2 kernel with automatic relevance determination (Rasmussen & Williams, Gaussian
 * Processes for Machine Learning, 2006, eq. 4.17):
 *   k(x, z) = s2 * (1 + sqrt5 r + 5 r^2 / 3) * exp(-sqrt5 r),  r^2 = sum_f (x_f - z_f)^2 / l_{g(f)}^2
 * where feature f shares the length scale of its group g(f) (a one-hot block shares one scale).
 */

export const SQRT5 = Math.sqrt(5);

/** Kernel hyperparameters: one length scale per group, signal variance, noise variance. */
export interface Hyper {
  lengthscales: Float64Array;
  signal: number;
  noise: number;
}

/** Which length scale each feature uses. */
export interface FeatureGroups {
  features: number;
  groups: number;
  groupOf: Int32Array;
}

/** Matérn-5/2 correlation at scaled distance r. */
export function matern52(r: number): number {
  const sr = SQRT5 * r;
  return (1 + sr + (sr * sr) / 3) * Math.exp(-sr);
}

/** 1 / l^2 per feature. */
export function inverseSquaredScales(hyper: Hyper, groups: FeatureGroups): Float64Array {
  const out = new Float64Array(groups.features);
  for (let f = 0; f < groups.features; f++) {
    const l = hyper.lengthscales[groups.groupOf[f]];
    out[f] = 1 / (l * l);
  }
  return out;
}

/** Scaled squared distance between two feature vectors. */
export function scaledDist2(x: Float64Array, z: Float64Array, invL2: Float64Array): number {
  let s = 0;
  for (let f = 0; f < invL2.length; f++) {
    const d = x[f] - z[f];
    s += d * d * invL2[f];
  }
  return s;
}

/** K(X, X) + noise I, row-major n x n. */
export function gram(xs: readonly Float64Array[], hyper: Hyper, groups: FeatureGroups): Float64Array {
  const n = xs.length;
  const invL2 = inverseSquaredScales(hyper, groups);
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    k[i * n + i] = hyper.signal + hyper.noise;
    for (let j = 0; j < i; j++) {
      const v = hyper.signal * matern52(Math.sqrt(scaledDist2(xs[i], xs[j], invL2)));
      k[i * n + j] = v;
      k[j * n + i] = v;
    }
  }
  return k;
}

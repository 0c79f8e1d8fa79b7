/**
 * Dense symmetric positive-definite linear algebra on row-major Float64Arrays: the O(n^3) core of
 * the GP. Cholesky-Banachiewicz factorization (Golub & Van Loan, Matrix Computations, 4th ed.,
 * Alg. 4.2.1) with escalating diagonal jitter when rounding makes the matrix indefinite
 * (duplicate points, length scales much longer than the data spread).
 */

/** Lower-triangular L with L L^T = A + jitter I, or undefined when A is not positive definite. */
export function cholesky(a: Float64Array, n: number): Float64Array | undefined {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const rowI = i * n;
    for (let j = 0; j <= i; j++) {
      const rowJ = j * n;
      let sum = a[rowI + j];
      for (let k = 0; k < j; k++) sum -= l[rowI + k] * l[rowJ + k];
      if (i === j) {
        if (!(sum > 0)) return undefined;
        l[rowI + i] = Math.sqrt(sum);
      } else {
        l[rowI + j] = sum / l[rowJ + j];
      }
    }
  }
  return l;
}

/**
 * Cholesky with retries: adds jitter = 1e-10 * mean(diag) and multiplies it by 10 up to 8 times.
 * Returns the factor and the jitter used; throws only if even the largest jitter fails (NaN input).
 */
export function robustCholesky(a: Float64Array, n: number): { l: Float64Array; jitter: number } {
  const first = cholesky(a, n);
  if (first) return { l: first, jitter: 0 };
  let meanDiag = 0;
  for (let i = 0; i < n; i++) meanDiag += a[i * n + i] / n;
  let jitter = 1e-10 * (meanDiag > 0 && Number.isFinite(meanDiag) ? meanDiag : 1);
  const b = Float64Array.from(a);
  for (let attempt = 0; attempt < 9; attempt++, jitter *= 10) {
    for (let i = 0; i < n; i++) b[i * n + i] = a[i * n + i] + jitter;
    const l = cholesky(b, n);
    if (l) return { l, jitter };
  }
  throw new Error(`Cholesky failed even with jitter ${jitter / 10} (the kernel matrix has non-finite entries?)`);
}

/** Solves L x = b (forward substitution). */
export function solveLower(l: Float64Array, n: number, b: Float64Array): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i];
    const row = i * n;
    for (let k = 0; k < i; k++) sum -= l[row + k] * x[k];
    x[i] = sum / l[row + i];
  }
  return x;
}

/** Solves L^T x = b (back substitution). */
export function solveUpper(l: Float64Array, n: number, b: Float64Array): Float64Array {
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = b[i];
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i] * x[k];
    x[i] = sum / l[i * n + i];
  }
  return x;
}

/** A^{-1} b from the Cholesky factor of A. */
export function cholSolve(l: Float64Array, n: number, b: Float64Array): Float64Array {
  return solveUpper(l, n, solveLower(l, n, b));
}

/** A^{-1} from the Cholesky factor of A (full symmetric matrix). */
export function cholInverse(l: Float64Array, n: number): Float64Array {
  // Invert L column by column (lower triangular), then A^{-1} = L^{-T} L^{-1}.
  const li = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    li[j * n + j] = 1 / l[j * n + j];
    for (let i = j + 1; i < n; i++) {
      let sum = 0;
      const row = i * n;
      for (let k = j; k < i; k++) sum -= l[row + k] * li[k * n + j];
      li[row + j] = sum / l[row + i];
    }
  }
  // Row i of U = L^{-T} is column i of L^{-1}: copy it once so the products below read memory in order.
  const u = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = i; k < n; k++) u[i * n + k] = li[k * n + i];
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let sum = 0;
      for (let k = i; k < n; k++) sum += u[ri + k] * u[rj + k];
      inv[ri + j] = sum;
      inv[rj + i] = sum;
    }
  }
  return inv;
}

/**
 * Limited-memory BFGS (Nocedal & Wright, Numerical Optimization, 2nd ed., Alg. 7.4 two-loop
 * recursion and Alg. 3.1 backtracking Armijo line search). Small and unconstrained: callers
 * keep parameters in a sane range with priors.
 */
export function minimizeLbfgs(
  fg: (x: Float64Array) => { f: number; g: Float64Array },
  x0: Float64Array,
  options: { maxIter: number; memory?: number; gtol?: number },
): { x: Float64Array; f: number } {
  const m = options.memory ?? 6;
  const gtol = options.gtol ?? 1e-5;
  let x: Float64Array = Float64Array.from(x0);
  let { f, g }: { f: number; g: Float64Array } = fg(x);
  if (!Number.isFinite(f)) return { x, f };
  const ss: Float64Array[] = [];
  const ys: Float64Array[] = [];
  for (let iter = 0; iter < options.maxIter; iter++) {
    if (norm(g) < gtol) break;
    const dir = twoLoop(g, ss, ys);
    let slope = dot(dir, g);
    if (!(slope < 0)) {
      // Not a descent direction (stale curvature): restart from steepest descent.
      ss.length = 0;
      ys.length = 0;
      for (let i = 0; i < dir.length; i++) dir[i] = -g[i];
      slope = dot(dir, g);
    }
    let step = iter === 0 && ss.length === 0 ? Math.min(1, 1 / norm(g)) : 1;
    let next: { x: Float64Array; f: number; g: Float64Array } | undefined;
    for (let tries = 0; tries < 20; tries++, step *= 0.5) {
      const xn = new Float64Array(x.length);
      for (let i = 0; i < x.length; i++) xn[i] = x[i] + step * dir[i];
      const r = fg(xn);
      if (Number.isFinite(r.f) && r.f <= f + 1e-4 * step * slope) {
        next = { x: xn, f: r.f, g: r.g };
        break;
      }
    }
    if (!next) break;
    const s = new Float64Array(x.length);
    const y = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      s[i] = next.x[i] - x[i];
      y[i] = next.g[i] - g[i];
    }
    if (dot(s, y) > 1e-12) {
      ss.push(s);
      ys.push(y);
      if (ss.length > m) {
        ss.shift();
        ys.shift();
      }
    }
    const done = Math.abs(f - next.f) <= 1e-10 * Math.max(1, Math.abs(f));
    ({ x, f, g } = next);
    if (done) break;
  }
  return { x, f };
}

function twoLoop(g: Float64Array, ss: Float64Array[], ys: Float64Array[]): Float64Array {
  const q = Float64Array.from(g);
  const alphas: number[] = [];
  for (let k = ss.length - 1; k >= 0; k--) {
    const a = dot(ss[k], q) / dot(ys[k], ss[k]);
    alphas[k] = a;
    for (let i = 0; i < q.length; i++) q[i] -= a * ys[k][i];
  }
  if (ss.length > 0) {
    const last = ss.length - 1;
    const gamma = dot(ss[last], ys[last]) / dot(ys[last], ys[last]);
    for (let i = 0; i < q.length; i++) q[i] *= gamma;
  }
  for (let k = 0; k < ss.length; k++) {
    const b = dot(ys[k], q) / dot(ys[k], ss[k]);
    for (let i = 0; i < q.length; i++) q[i] += ss[k][i] * (alphas[k] - b);
  }
  for (let i = 0; i < q.length; i++) q[i] = -q[i];
  return q;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function norm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}

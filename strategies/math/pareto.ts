/**
 * Pareto dominance, non-dominated sorting and hypervolume for minimization (turn maximized
 * objectives into losses first).
 * - Non-dominated sorting: the fast sort of NSGA-II (Deb, Pratap, Agarwal & Meyarivan, "A fast and
 *   elitist multiobjective genetic algorithm: NSGA-II", IEEE TEVC 6(2), 2002, §III-A), O(M N^2).
 * - Hypervolume: exact, by slicing along the last objective (HSO: While, Hingston, Barone &
 *   Huband, "A faster algorithm for calculating hypervolume", IEEE TEVC 10(1), 2006), with the
 *   O(N log N) sweep for two objectives at the bottom of the recursion. Exact and quick for the 2-3
 *   objectives and the few hundred points a study has.
 */

/** A point in objective space (losses: lower is better). */
export type Vector = readonly number[];

/** True when `a` is no worse than `b` in every objective and better in at least one. */
export function dominates(a: Vector, b: Vector): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] > b[i]) return false;
    if (a[i] < b[i]) better = true;
  }
  return better;
}

/** Indices of `points` by front: front 0 is the non-dominated set, front 1 is non-dominated once front 0 is removed, ... */
export function nonDominatedFronts(points: readonly Vector[]): number[][] {
  const n = points.length;
  const dominated: number[][] = Array.from({ length: n }, () => []);
  const count = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (dominates(points[i], points[j])) {
        dominated[i].push(j);
        count[j]++;
      } else if (dominates(points[j], points[i])) {
        dominated[j].push(i);
        count[i]++;
      }
    }
  }
  const fronts: number[][] = [];
  let current = [...count.keys()].filter((i) => count[i] === 0);
  while (current.length > 0) {
    fronts.push(current);
    const next: number[] = [];
    for (const i of current) for (const j of dominated[i]) if (--count[j] === 0) next.push(j);
    current = next.sort((a, b) => a - b);
  }
  return fronts;
}

/** Indices of the non-dominated points (front 0), in input order. */
export function paretoFront(points: readonly Vector[]): number[] {
  return nonDominatedFronts(points)[0] ?? [];
}

/**
 * Volume dominated by `points` and bounded by `reference` (every coordinate of the reference must
 * be worse than the points that count; points not strictly better than it in every objective add
 * nothing).
 */
export function hypervolume(points: readonly Vector[], reference: Vector): number {
  const inside = points.filter((p) => p.every((v, i) => v < reference[i]));
  if (inside.length === 0) return 0;
  return slice(inside, reference, reference.length);
}

/** HSO on the first `dims` coordinates. */
function slice(points: readonly Vector[], reference: Vector, dims: number): number {
  if (dims === 1) return reference[0] - Math.min(...points.map((p) => p[0]));
  if (dims === 2) return sweep2d(points, reference);
  const last = dims - 1;
  const sorted = [...points].sort((a, b) => a[last] - b[last]);
  let volume = 0;
  for (let k = 0; k < sorted.length; k++) {
    const depth = (k + 1 < sorted.length ? sorted[k + 1][last] : reference[last]) - sorted[k][last];
    if (depth > 0) volume += depth * slice(sorted.slice(0, k + 1), reference, last);
  }
  return volume;
}

function sweep2d(points: readonly Vector[], reference: Vector): number {
  const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let volume = 0;
  let ceiling = reference[1];
  for (const p of sorted) {
    if (p[1] >= ceiling) continue;
    volume += (reference[0] - p[0]) * (ceiling - p[1]);
    ceiling = p[1];
  }
  return volume;
}

/** Each point's exclusive hypervolume: what the set loses without it (0 for dominated points). */
export function hypervolumeContributions(points: readonly Vector[], reference: Vector): number[] {
  const total = hypervolume(points, reference);
  return points.map((_, i) => Math.max(0, total - hypervolume([...points.slice(0, i), ...points.slice(i + 1)], reference)));
}

/**
 * The greedy answer to hypervolume subset selection (Guerreiro, Fonseca & Paquete, "Greedy
 * hypervolume subset selection in low dimensions", Evolutionary Computation 24(3), 2016): indices
 * of `points` in the order a greedy pick takes them, each adding the most volume to those before
 * it, so the first k of the order are the greedy k-subset (within 1 - 1/e of the best k-subset's
 * volume). Lazy: a point's gain only shrinks as the set grows (hypervolume is submodular), so a
 * stale gain is an upper bound and only the leader's gain is recomputed. Ties go to the lower index.
 */
export function greedyHypervolumeOrder(points: readonly Vector[], reference: Vector): number[] {
  const bound = points.map((p) => hypervolume([p], reference));
  const fresh = new Array<boolean>(points.length).fill(true);
  const left = new Set(points.keys());
  const chosen: Vector[] = [];
  const order: number[] = [];
  let volume = 0;
  while (left.size > 0) {
    let lead = -1;
    for (const i of left) if (lead < 0 || bound[i] > bound[lead]) lead = i;
    if (!fresh[lead]) {
      bound[lead] = Math.max(0, hypervolume([...chosen, points[lead]], reference) - volume);
      fresh[lead] = true;
      continue;
    }
    left.delete(lead);
    order.push(lead);
    chosen.push(points[lead]);
    volume = hypervolume(chosen, reference);
    for (const i of left) fresh[i] = false;
  }
  return order;
}

/**
 * A reference point just worse than every point: per objective the worst value plus 10 % of the
 * spread (or of its magnitude when all values are equal), as Optuna's MOTPE does for its weights.
 */
export function nadirReference(points: readonly Vector[]): number[] {
  const m = points[0]?.length ?? 0;
  return Array.from({ length: m }, (_, i) => {
    const values = points.map((p) => p[i]);
    const worst = Math.max(...values);
    const spread = worst - Math.min(...values);
    return worst + 0.1 * (spread > 0 ? spread : Math.max(1, Math.abs(worst)));
  });
}

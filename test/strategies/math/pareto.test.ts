import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/index.ts';
import { dominates, greedyHypervolumeOrder, hypervolume, hypervolumeContributions, nadirReference, nonDominatedFronts, paretoFront, type Vector } from '../../../strategies/math/pareto.ts';

/** Monte Carlo estimate of the dominated volume: the slow, obviously right answer. */
function monteCarloVolume(points: number[][], ref: number[], lo: number[], samples: number): number {
  const rng = createRng(7, 'mc');
  let hits = 0;
  for (let s = 0; s < samples; s++) {
    const z = ref.map((r, i) => lo[i] + rng() * (r - lo[i]));
    if (points.some((p) => p.every((v, i) => v <= z[i]))) hits++;
  }
  return (hits / samples) * ref.reduce((v, r, i) => v * (r - lo[i]), 1);
}

describe('pareto', () => {
  it('dominance is strict in one objective and weak in the rest', () => {
    expect(dominates([1, 2], [1, 3])).toBe(true);
    expect(dominates([1, 3], [1, 3])).toBe(false);
    expect(dominates([0, 4], [1, 3])).toBe(false);
  });

  it('sorts points into fronts', () => {
    const points = [
      [1, 5],
      [2, 2],
      [5, 1],
      [3, 3],
      [6, 6],
      [2, 2],
    ];
    expect(nonDominatedFronts(points)).toEqual([[0, 1, 2, 5], [3], [4]]);
    expect(paretoFront(points)).toEqual([0, 1, 2, 5]);
  });

  it('computes 2-D hypervolume exactly', () => {
    // Staircase of (1,3), (2,2), (3,1) against (4,4): 3 + 2 + 1 = 6.
    expect(hypervolume([[1, 3], [2, 2], [3, 1]], [4, 4])).toBeCloseTo(6, 12);
    // A dominated point and a point outside the box change nothing.
    expect(hypervolume([[1, 3], [2, 2], [3, 1], [3, 3], [5, 0]], [4, 4])).toBeCloseTo(6, 12);
    expect(hypervolume([], [1, 1])).toBe(0);
  });

  it('computes 3-D hypervolume: a box, two overlapping boxes, and random sets against Monte Carlo', () => {
    expect(hypervolume([[0, 0, 0]], [1, 2, 3])).toBeCloseTo(6, 12);
    // [0,2]x[0,1]x[0,1] and [0,1]x[0,2]x[0,1] overlap in a unit cube: 2 + 2 - 1.
    expect(hypervolume([[0, 1, 0], [1, 0, 0]], [2, 2, 1])).toBeCloseTo(3, 12);
    const rng = createRng(3, 'hv');
    const points = Array.from({ length: 12 }, () => [rng(), rng(), rng()]);
    const exact = hypervolume(points, [1, 1, 1]);
    expect(Math.abs(exact - monteCarloVolume(points, [1, 1, 1], [0, 0, 0], 200_000))).toBeLessThan(0.006);
  });

  it('gives each point its exclusive contribution, zero when dominated', () => {
    const c = hypervolumeContributions([[1, 3], [2, 2], [3, 1], [3, 3]], [4, 4]);
    expect(c[0]).toBeCloseTo(1, 12); // (1,3) alone owns [1,2]x[3,4]
    expect(c[1]).toBeCloseTo(1, 12);
    expect(c[2]).toBeCloseTo(1, 12);
    expect(c[3]).toBe(0);
  });

  it('orders points greedily by the volume each adds to those before it', () => {
    // Alone, (2,2) owns 4 and the others 3 each; after it, (1,3) and (3,1) add 1 each (tie: lower index).
    // Ranking by exclusive contribution would see three ties (1 each) and keep input order.
    expect(greedyHypervolumeOrder([[1, 3], [2, 2], [3, 1]], [4, 4])).toEqual([1, 0, 2]);
    // A dominated point adds nothing and comes last; a duplicate adds nothing after its twin.
    expect(greedyHypervolumeOrder([[3, 3], [1, 1], [2, 0.5], [1, 1]], [4, 4])).toEqual([1, 2, 0, 3]);
    expect(greedyHypervolumeOrder([], [1, 1])).toEqual([]);
  });

  it('lazy greedy order equals plain greedy, and each prefix is within 1 - 1/e of the best subset of its size', () => {
    const rng = createRng(5, 'greedy');
    const plainGreedy = (points: Vector[], ref: Vector): number[] => {
      const order: number[] = [];
      while (order.length < points.length) {
        const base = hypervolume(order.map((i) => points[i]), ref);
        let best = -1;
        let bestGain = -1;
        for (let i = 0; i < points.length; i++) {
          if (order.includes(i)) continue;
          const gain = hypervolume([...order.map((j) => points[j]), points[i]], ref) - base;
          if (gain > bestGain + 1e-12) [best, bestGain] = [i, gain];
        }
        order.push(best);
      }
      return order;
    };
    const bestSubset = (points: Vector[], k: number, ref: Vector): number => {
      let best = 0;
      for (let mask = 0; mask < 1 << points.length; mask++) {
        const subset = points.filter((_, i) => mask & (1 << i));
        if (subset.length === k) best = Math.max(best, hypervolume(subset, ref));
      }
      return best;
    };
    for (let round = 0; round < 5; round++) {
      // Points near the sphere's octant (a DTLZ2-like front) plus a few dominated ones.
      const points = Array.from({ length: 9 }, () => {
        const [a, b] = [rng() * Math.PI / 2, rng() * Math.PI / 2];
        const r = 1 + 0.3 * rng();
        return [r * Math.cos(a) * Math.cos(b), r * Math.cos(a) * Math.sin(b), r * Math.sin(a)];
      });
      const ref = [1.5, 1.5, 1.5];
      const order = greedyHypervolumeOrder(points, ref);
      expect(order).toEqual(plainGreedy(points, ref));
      for (const k of [1, 2, 3, 5]) expect(hypervolume(order.slice(0, k).map((i) => points[i]), ref)).toBeGreaterThanOrEqual((1 - 1 / Math.E) * bestSubset(points, k, ref) - 1e-12);
    }
  });

  it('puts the reference point beyond the worst value of each objective', () => {
    expect(nadirReference([[0, 10], [1, 20]])).toEqual([1.1, 21]);
  });
});

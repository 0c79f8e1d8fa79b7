import { describe, expect, it } from 'vitest';
import { float, int } from '../../src/space/index.ts';
import { SOBOL_MAX_DIMS, sobolPoint, sobolPoints } from '../../strategies/sobol.ts';
import { sobolParams } from '../../strategies/random.ts';

/** Undo the digital shift: point 0 of an unshifted sequence is the origin, so XOR with it. */
function unshifted(index: number, dims: number, seed: number): number[] {
  const origin = sobolPoint(0, dims, seed);
  const p = sobolPoint(index, dims, seed);
  return Array.from(p, (v, d) => (((v * 2 ** 32) ^ (origin[d] * 2 ** 32)) >>> 0) / 2 ** 32);
}

describe('Sobol sequence', () => {
  it('reproduces the published first points of dimensions 1-3 (Joe-Kuo)', () => {
    const expected = [
      [0.5, 0.5, 0.5],
      [0.75, 0.25, 0.25],
      [0.25, 0.75, 0.75],
      [0.375, 0.375, 0.625],
      [0.875, 0.875, 0.125],
      [0.625, 0.125, 0.875],
      [0.125, 0.625, 0.375],
    ];
    expected.forEach((point, k) => expect(unshifted(k + 1, 3, 42)).toEqual(point));
  });

  it('puts exactly one of the first 2^m points in each interval of width 2^-m, in every dimension', () => {
    const points = sobolPoints(0, 256, SOBOL_MAX_DIMS, 7);
    for (let d = 0; d < SOBOL_MAX_DIMS; d++) {
      const cells = new Set(points.map((p) => Math.floor(p[d] * 256)));
      expect(cells.size).toBe(256);
    }
  });

  it('gives point k from the seed and k alone', () => {
    const batch = sobolPoints(10, 5, 6, 'abc');
    expect(Array.from(sobolPoint(13, 6, 'abc'))).toEqual(Array.from(batch[3]));
    expect(Array.from(sobolPoint(13, 6, 'abd'))).not.toEqual(Array.from(batch[3]));
  });

  it('fills dimensions beyond the direction-number table with seeded uniforms', () => {
    const p = sobolPoint(3, SOBOL_MAX_DIMS + 5, 1);
    expect(p).toHaveLength(SOBOL_MAX_DIMS + 5);
    for (const v of p) expect(v >= 0 && v < 1).toBe(true);
    expect(Array.from(sobolPoint(3, SOBOL_MAX_DIMS + 5, 1))).toEqual(Array.from(p));
  });

  it('decodes to every int value equally often (no half-weight end points)', () => {
    const space = { n: int(1, 4), x: float(0, 1) };
    const counts = new Map<number, number>();
    for (let k = 0; k < 64; k++) {
      const v = sobolParams(space, k, 5).n as number;
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    expect([...counts.entries()].sort()).toEqual([
      [1, 16],
      [2, 16],
      [3, 16],
      [4, 16],
    ]);
  });
});

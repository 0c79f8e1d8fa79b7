import { describe, expect, it } from 'vitest';
import { contains, float, fromUnit, gridValues, int, categorical, sampleSpace, snap, toUnit } from '../../src/space/index.ts';
import { createRng } from '../../src/core/index.ts';

describe('space transforms', () => {
  it('maps log floats through log space', () => {
    const d = float(1e-4, 1e-1, { log: true });
    expect(toUnit(d, 1e-4)).toBeCloseTo(0);
    expect(toUnit(d, 1e-1)).toBeCloseTo(1);
    expect(fromUnit(d, 0.5)).toBeCloseTo(Math.sqrt(1e-4 * 1e-1), 10);
  });

  it('snaps ints and steps onto their grid and inside bounds', () => {
    expect(snap(float(0.1, 0.9, { step: 0.05 }) as never, 0.26)).toBe(0.25);
    expect(snap(int(1, 10) as never, 10.7)).toBe(10);
    expect(fromUnit(int(0, 4, { step: 2 }), 0.6)).toBe(2);
  });

  it('samples only legal values', () => {
    const space = { a: float(0, 1, { step: 0.1 }), b: int(1, 100, { log: true }), c: categorical(['x', 'y', 'z']) };
    const rng = createRng(1);
    for (let i = 0; i < 500; i++) {
      const p = sampleSpace(space, rng);
      for (const [k, d] of Object.entries(space)) expect(contains(d, p[k]), `${k}=${p[k]}`).toBe(true);
    }
  });

  it('lists grid values per dimension', () => {
    expect(gridValues(int(1, 3), 5)).toEqual([1, 2, 3]);
    expect(gridValues(float(0, 1), 3)).toEqual([0, 0.5, 1]);
    expect(gridValues(categorical([true, false]), 5)).toEqual([true, false]);
  });
});

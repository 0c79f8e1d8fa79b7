import { describe, expect, it } from 'vitest';
import { erfc, logH, logNormCdf, normCdf, normQuantile } from '../../strategies/math/normal.ts';

describe('normal distribution helpers', () => {
  it('matches reference values of erfc and Phi', () => {
    // Reference values from Abramowitz & Stegun tables / high-precision evaluation.
    expect(erfc(0.5)).toBeCloseTo(0.4795001221869535, 6);
    expect(erfc(-1)).toBeCloseTo(1.8427007929497148, 6);
    expect(erfc(3) / 2.209049699858544e-5).toBeCloseTo(1, 6);
    expect(normCdf(1.959963984540054)).toBeCloseTo(0.975, 6);
  });

  it('keeps log Phi finite far into the left tail', () => {
    expect(logNormCdf(-40)).toBeCloseTo(-804.6084420137538, 4);
    expect(logNormCdf(2)).toBeCloseTo(Math.log(0.9772498680518208), 6);
  });

  it('inverts the CDF', () => {
    for (const z of [-7, -3, -1, -0.2, 0.3, 1, 2.5, 6]) expect(normQuantile(normCdf(z))).toBeCloseTo(z, 5);
    expect(normQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
  });

  it('computes log(phi(z) + z Phi(z)) continuously across its branches', () => {
    for (const z of [-1, -12]) expect(logH(z - 1e-9)).toBeCloseTo(logH(z + 1e-9), 4);
    let previous = logH(-80);
    for (let z = -79; z <= 5; z += 0.5) {
      const v = logH(z);
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThan(previous);
      previous = v;
    }
  });
});

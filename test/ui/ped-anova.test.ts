import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import type { Space } from '../../src/core/index.ts';
import { pedAnova } from '../../src/ui/math/ped-anova.ts';

const space: Space = {
  x: { type: 'float', low: 0, high: 1, log: false },
  y: { type: 'float', low: 0, high: 1, log: false },
  c: { type: 'categorical', choices: ['a', 'b', 'c', 'd'] },
};

function sample(n: number, f: (x: number, y: number, c: string) => number) {
  const rng = seedrandom('ped');
  return Array.from({ length: n }, () => {
    const x = rng();
    const y = rng();
    const c = ['a', 'b', 'c', 'd'][Math.floor(rng() * 4)];
    return { params: { x, y, c }, value: f(x, y, c) };
  });
}

describe('PED-ANOVA importance', () => {
  it('gives (1 - gamma) / gamma to a uniform param whose top set is an interval, and about 0 to ignored ones', () => {
    // Minimizing f = x: the top 10% are x in [0, 0.1], so p_local = 10 there and the divergence is 0.9 / 0.1 = 9.
    const result = pedAnova(space, sample(2000, (x) => x), 'minimize', { gammaLocal: 0.1 });
    const by = Object.fromEntries(result.map((r) => [r.param, r]));
    expect(result[0].param).toBe('x');
    expect(by.x.divergence).toBeGreaterThan(9 * 0.8);
    expect(by.x.divergence).toBeLessThan(9 * 1.1);
    expect(by.y.divergence).toBeLessThan(0.2);
    expect(by.c.divergence).toBeLessThan(0.05);
    expect(by.x.importance).toBeGreaterThan(0.95);
    expect(result.reduce((s, r) => s + r.importance, 0)).toBeCloseTo(1, 10);
  });

  it('finds a categorical that decides the objective, in either direction', () => {
    // Maximizing: only c = "b" scores; the top 10% are all "b", so p_local ~ (1, 0, 0, 0) against 1/4 each.
    const result = pedAnova(space, sample(1000, (x, y, c) => (c === 'b' ? 1 : 0) + 0.001 * y), 'maximize');
    expect(result[0].param).toBe('c');
    // Pearson divergence of (1,0,0,0) from uniform quarters is 3; the pseudo-counts pull it a little lower.
    expect(result[0].divergence).toBeGreaterThan(2.5);
    expect(result[0].divergence).toBeLessThanOrEqual(3);
  });

  it('reads log dimensions on their log scale', () => {
    const logSpace: Space = { lr: { type: 'float', low: 1e-5, high: 1e-1, log: true }, y: { type: 'float', low: 0, high: 1, log: false } };
    const rng = seedrandom('log');
    const trials = Array.from({ length: 1000 }, () => {
      const lr = 10 ** (-5 + 4 * rng());
      return { params: { lr, y: rng() }, value: -Math.abs(Math.log10(lr) + 3) };
    });
    const result = pedAnova(logSpace, trials, 'maximize');
    expect(result[0].param).toBe('lr');
    expect(result[0].divergence).toBeGreaterThan(5);
  });

  it('rejects bad gammas and returns zeros with fewer than two finite trials', () => {
    expect(() => pedAnova(space, [], 'minimize', { gammaLocal: 0.5, gammaGlobal: 0.2 })).toThrow(/gammaLocal=0.5, gammaGlobal=0.2/);
    expect(pedAnova(space, [{ params: { x: 0.1 }, value: Number.NaN }], 'minimize').every((r) => r.importance === 0)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import * as hpo from '../../src/index.ts';

describe('package entry', () => {
  it('exports the in-process API, the space and config helpers and evaluateDetections', async () => {
    const { best } = await hpo.optimize({
      space: { x: hpo.float(-2, 2) },
      direction: 'minimize',
      strategy: { type: 'tpe' },
      trials: 30,
      objective: (p) => (p.x as number) ** 2,
    });
    expect(best!.value!).toBeLessThan(0.05);
    const metrics = hpo.evaluateDetections(
      [{ image: 0, cls: 0, conf: 0.9, box: [0, 0, 10, 10] }],
      [{ image: 0, cls: 0, box: [0, 0, 10, 10] }],
      1,
    );
    expect(metrics.map).toBeCloseTo(0.995, 6);
    expect(hpo.defineConfig({ space: { x: hpo.int(1, 3) } }).space.x).toEqual({ type: 'int', low: 1, high: 3, log: false, step: 1 });
  });
});

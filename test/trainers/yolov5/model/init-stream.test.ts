import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { InitStream } from '../../../../src/trainers/yolov5/model/init-stream.ts';

describe('InitStream', () => {
  it("gives seedrandom's (prng() * 2 - 1) * bound bit for bit, across fills of any length", () => {
    for (const seed of ['yolov5-init-0', 'yolov5-init-7', '']) {
      const rng = seedrandom(seed);
      const stream = new InitStream(seed);
      for (const [length, bound] of [[0, 1], [1, 0.5], [7, 1 / Math.sqrt(27)], [1000, 0.1], [60_000, 1 / 24]] as const) {
        const expected = Float32Array.from({ length }, () => (rng() * 2 - 1) * bound);
        const got = new Float32Array(length);
        stream.fillSymmetric(got, bound);
        expect(Buffer.from(got.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
      }
    }
  });

  it('differs across seeds and stays within the bound', () => {
    const a = new Float32Array(10_000);
    const b = new Float32Array(10_000);
    new InitStream('yolov5-init-1').fillSymmetric(a, 0.25);
    new InitStream('yolov5-init-2').fillSymmetric(b, 0.25);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(false);
    expect(Math.max(...a.map(Math.abs))).toBeLessThanOrEqual(0.25);
    expect(Math.max(...a.map(Math.abs))).toBeGreaterThan(0.24);
  });
});

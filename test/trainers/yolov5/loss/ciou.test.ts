import { describe, expect, it } from 'vitest';
import { boxIou, ciouXywh } from '../../../../src/trainers/yolov5/loss/box.ts';
import { ciouWithGrad } from '../../../../src/trainers/yolov5/loss/ciou.ts';

// Hand values (centre x, centre y, w, h):
// (a) pred (1,1,2,2) = [0,0,2,2], target (2,1,2,2) = [1,0,3,2]: inter 2, union 6, IoU 1/3;
//     enclosing 3 x 2 -> c^2 = 13; centre distance^2 = 1; same aspect -> v = 0.
//     CIoU = 1/3 - 1/13 = 10/39.
// (b) pred (1,1,2,2), target (1,1,2,1) = [0,0.5,2,1.5]: inter 2, union 4, IoU 0.5; no centre gap;
//     v = 4/pi^2 (atan 2 - atan 1)^2 = 0.405284735 * 0.321750554^2 = 0.041956461;
//     alpha = v / (v - 0.5 + 1) = 0.0774166; CIoU = 0.5 - v * alpha = 0.4967519 (0.49675186).
const HAND_A = 10 / 39;
const HAND_B = 0.4967519;

/** CIoU with alpha frozen at its value at p0: what the gradient differentiates. */
function frozenCiou(p0: number[]) {
  const g = new Float64Array(4);
  return (t: number[]) => {
    const v = (p: number[]) => (4 / Math.PI ** 2) * (Math.atan(t[2] / t[3]) - Math.atan(p[2] / p[3])) ** 2;
    const iou = (p: number[]) => boxIou(
      [p[0] - p[2] / 2, p[1] - p[3] / 2, p[0] + p[2] / 2, p[1] + p[3] / 2],
      [t[0] - t[2] / 2, t[1] - t[3] / 2, t[0] + t[2] / 2, t[1] + t[3] / 2]);
    const alpha0 = v(p0) / (v(p0) - iou(p0) + 1 + 1e-7);
    // ciouXywh minus its own alpha term plus the frozen one.
    return (p: number[]) => {
      const full = ciouXywh(p as never, t as never);
      const alpha = v(p) / (v(p) - iou(p) + 1 + 1e-7);
      return { value: full + v(p) * alpha - v(p) * alpha0, grad: (ciouWithGrad(p, t, g), Array.from(g)) };
    };
  };
}

describe('CIoU', () => {
  it('matches hand-computed values', () => {
    const g = new Float64Array(4);
    expect(ciouXywh([1, 1, 2, 2], [2, 1, 2, 2])).toBeCloseTo(HAND_A, 6);
    expect(ciouXywh([1, 1, 2, 2], [1, 1, 2, 1])).toBeCloseTo(HAND_B, 6);
    expect(ciouWithGrad([1, 1, 2, 2], [2, 1, 2, 2], g)).toBeCloseTo(HAND_A, 6);
    expect(ciouWithGrad([1, 1, 2, 2], [1, 1, 2, 1], g)).toBeCloseTo(HAND_B, 6);
  });

  it('is 1 for identical boxes and IoU matches box_iou on corners', () => {
    expect(ciouXywh([5, 5, 3, 4], [5, 5, 3, 4])).toBeCloseTo(1, 6);
    expect(boxIou([0, 0, 2, 2], [1, 0, 3, 2])).toBeCloseTo(1 / 3, 6);
  });

  it('has the gradient of CIoU with alpha held constant, for overlapping, nested and disjoint boxes', () => {
    const cases: [number[], number[]][] = [
      [[1.1, 0.9, 2.4, 1.6], [1, 1, 2, 1]], // pred contains target in x
      [[0.3, 0.7, 1.3, 2.2], [0.6, 0.2, 1.8, 1.1]], // partial overlap
      [[0.2, 0.4, 0.5, 0.6], [2.5, 1.5, 1, 1.3]], // disjoint: only distance and aspect terms
      [[1.2, 1.1, 0.7, 0.9], [1, 1, 3, 2.5]], // target contains pred
    ];
    for (const [p, t] of cases) {
      const f = frozenCiou(p)(t);
      const { grad } = f(p);
      const e = 1e-6;
      for (let j = 0; j < 4; j++) {
        const up = [...p];
        const down = [...p];
        up[j] += e;
        down[j] -= e;
        const fd = (f(up).value - f(down).value) / (2 * e);
        expect(grad[j], `case ${p} / ${t}, d/d${'xywh'[j]}`).toBeCloseTo(fd, 6);
      }
    }
  });
});

import { describe, expect, it } from 'vitest';
import { buildTargets } from '../../../../src/trainers/yolov5/loss/assign.ts';

const layer = { ny: 8, nx: 8, anchors: [[1, 1], [2, 2], [10, 10]] as [number, number][] };
const pairs = (t: ReturnType<typeof buildTargets>[number]) =>
  Array.from({ length: t.count }, (_, k) => [t.gx[k], t.gy[k], t.anchor[k]]);

describe('buildTargets (YOLOv5 build_targets)', () => {
  it('matches anchors by max(r, 1/r) < anchor_t and adds the two nearest neighbour cells', () => {
    // Grid centre (3.3, 4.7), size 1.5 x 1.5 grid units. Ratios: anchor 0 -> 1.5, anchor 1 -> 1.33,
    // anchor 2 -> 6.67 (rejected at anchor_t 4). x % 1 = 0.3 < 0.5 -> left cell (2, 4);
    // (8 - 4.7) % 1 = 0.3 < 0.5 -> lower cell (3, 5). Order: offset, then anchor.
    const targets = Float32Array.from([1, 2, 3.3 / 8, 4.7 / 8, 1.5 / 8, 1.5 / 8]);
    const [t] = buildTargets(targets, [layer], 4);
    expect(pairs(t)).toEqual([[3, 4, 0], [3, 4, 1], [2, 4, 0], [2, 4, 1], [3, 5, 0], [3, 5, 1]]);
    expect(Array.from(t.image)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(Array.from(t.cls)).toEqual([2, 2, 2, 2, 2, 2]);
    // Box xy is the centre relative to the assigned cell: in [-0.5, 1.5) for neighbours.
    const xy = Array.from({ length: 6 }, (_, k) => [t.box[4 * k], t.box[4 * k + 1]]);
    const expected = [[0.3, 0.7], [0.3, 0.7], [1.3, 0.7], [1.3, 0.7], [0.3, -0.3], [0.3, -0.3]];
    xy.forEach(([x, y], k) => {
      expect(x).toBeCloseTo(expected[k][0], 5);
      expect(y).toBeCloseTo(expected[k][1], 5);
    });
    expect(t.box[2]).toBeCloseTo(1.5, 6);
    expect(Array.from(t.anchorWh.subarray(0, 4))).toEqual([1, 1, 2, 2]);
    // Flat slot in a [B, ny, nx, na] layout.
    expect(t.slot[0]).toBe(((1 * 8 + 4) * 8 + 3) * 3 + 0);
  });

  it('picks the right and upper neighbours on the other side of the cell centre', () => {
    // Centre (5.8, 2.2): (8 - 5.8) % 1 = 0.2 -> right cell (6, 2); 2.2 % 1 = 0.2 -> upper cell (5, 1).
    const targets = Float32Array.from([0, 0, 5.8 / 8, 2.2 / 8, 1 / 8, 1 / 8]);
    const [t] = buildTargets(targets, [{ ...layer, anchors: [[1, 1]] }], 4);
    expect(pairs(t)).toEqual([[5, 2, 0], [5, 1, 0], [6, 2, 0]]);
  });

  it('adds no neighbour beyond the border (gxy > 1 rule) and rejects ratio exactly anchor_t', () => {
    const nearCorner = Float32Array.from([0, 0, 0.3 / 8, 0.4 / 8, 1 / 8, 1 / 8]);
    expect(pairs(buildTargets(nearCorner, [{ ...layer, anchors: [[1, 1]] }], 4)[0])).toEqual([[0, 0, 0]]);
    // w = 4 * anchor: ratio 4 is not < 4.
    const tooBig = Float32Array.from([0, 0, 0.5, 0.5, 4 / 8, 1 / 8]);
    expect(buildTargets(tooBig, [{ ...layer, anchors: [[1, 1]] }], 4)[0].count).toBe(0);
    // Accepted just above; a centre exactly on a cell corner (4.0, 4.0) has x % 1 = 0 < 0.5 on both
    // sides, so YOLOv5 assigns all four neighbours: 5 cells.
    expect(buildTargets(tooBig, [{ ...layer, anchors: [[1, 1]] }], 4.01)[0].count).toBe(5);
  });

  it('returns empty layers for no targets', () => {
    const out = buildTargets(new Float32Array(0), [layer, layer], 4);
    expect(out.map((t) => t.count)).toEqual([0, 0]);
  });
});

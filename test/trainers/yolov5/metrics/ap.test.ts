import { describe, expect, it } from 'vitest';
import { computeAp, npInterp, smooth } from '../../../../src/trainers/yolov5/metrics/ap.ts';
import { IOU_THRESHOLDS, matchDetections } from '../../../../src/trainers/yolov5/metrics/match.ts';

describe('numpy.interp conventions', () => {
  it('interpolates, fills left/right and takes the last of repeated x', () => {
    expect(npInterp(0.25, [0, 1], [0, 2], -1, -2)).toBeCloseTo(0.5, 15);
    expect(npInterp(-0.1, [0, 1], [0, 2], -1, -2)).toBe(-1);
    expect(npInterp(1.1, [0, 1], [0, 2], -1, -2)).toBe(-2);
    // np.interp(0, [0, 0, 1], [1, 0, 0]) == 0: x equal to a repeated xp takes the last one's value.
    expect(npInterp(0, [0, 0, 1], [1, 0, 0], 9, 9)).toBe(0);
    // At the last xp the last fp is returned even when xp repeats there.
    expect(npInterp(1, [0, 1, 1], [1, 0.5, 0], 9, 9)).toBe(0);
    expect(npInterp(0.5, [0, 1, 1], [1, 0.5, 0], 9, 9)).toBeCloseTo(0.75, 15);
  });
});

describe('compute_ap', () => {
  it('scores a one-detection true positive 0.995 and a lone false positive 0', () => {
    expect(computeAp([1], [1])).toBeCloseTo(0.995, 14);
    expect(computeAp([0], [0])).toBe(0);
  });

  it('integrates a step curve by hand', () => {
    // 2 truths, TP then FP then TP: recall [0.5, 0.5, 1], precision [1, 0.5, 2/3].
    // Envelope over mrec [0, .5, .5, 1, 1] / mpre [1, 1, .5, .667, 0] -> [1, 1, .667, .667, 0].
    // Interp: 1 on [0, 0.5), at 0.5 the last repeat (2/3), 2/3 on (0.5, 1), 0 at 1.
    // Trapezoid: 50 intervals of 1 minus half an interval of (1 - 2/3) at 0.5, 49 of 2/3 plus half of 2/3 at 1:
    const expected = 0.01 * (49 + (1 + 2 / 3) / 2 + 49 * (2 / 3) + (2 / 3) / 2);
    expect(computeAp([0.5, 0.5, 1], [1, 0.5, 2 / 3])).toBeCloseTo(expected, 14);
  });
});

describe('smooth', () => {
  it('box-filters with edge padding, as YOLOv5 smooth(y, 0.1)', () => {
    const y = Array.from({ length: 20 }, (_, i) => (i === 10 ? 5 : 0));
    // nf = round(20 * 0.1 * 2) // 2 + 1 = 3: each output averages 3 neighbours.
    const s = smooth(y, 0.1);
    expect(s[9]).toBeCloseTo(5 / 3, 15);
    expect(s[10]).toBeCloseTo(5 / 3, 15);
    expect(s[12]).toBe(0);
    const edge = smooth([3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0.1);
    expect(edge[0]).toBeCloseTo((3 + 3 + 0) / 3, 15);
  });
});

describe('process_batch matching', () => {
  it('uses thresholds 0.50:0.05:0.95', () => {
    expect(IOU_THRESHOLDS).toHaveLength(10);
    expect(IOU_THRESHOLDS[0]).toBeCloseTo(0.5, 6);
    expect(IOU_THRESHOLDS[9]).toBeCloseTo(0.95, 6);
  });

  it('lets each detection take its best truth, and each truth its first detection', () => {
    // Truth A [0,0,10,10], truth B [2,0,12,10]. Detection 0 is exactly A. Detection 1 [0.5,0,10.5,10]
    // overlaps A at 95/105 = 0.905 and B at 85/115 = 0.739: its best truth is A, already taken by the
    // earlier detection 0, and YOLOv5 does not re-assign it to the free B, so it is not correct.
    const truths = [{ cls: 0, box: [0, 0, 10, 10] as const }, { cls: 0, box: [2, 0, 12, 10] as const }];
    const dets = [{ cls: 0, box: [0, 0, 10, 10] as const }, { cls: 0, box: [0.5, 0, 10.5, 10] as const }];
    const c = matchDetections(dets, truths, [0.5]);
    expect(Array.from(c)).toEqual([1, 0]);
  });
});

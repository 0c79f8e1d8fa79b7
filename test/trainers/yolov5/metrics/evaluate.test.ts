import { describe, expect, it } from 'vitest';
import { evaluateDetections, fitness } from '../../../../src/trainers/yolov5/metrics/metrics.ts';
import type { Detection, GroundTruth } from '../../../../src/trainers/yolov5/types.ts';

type Box = [number, number, number, number];
const gt = (image: number | string, cls: number, box: Box): GroundTruth => ({ image, cls, box });
const det = (image: number | string, cls: number, conf: number, box: Box): Detection => ({ image, cls, conf, box });

describe('evaluateDetections (YOLOv5 val.py semantics)', () => {
  it('gives 0.995, not 1.0, for perfect predictions', () => {
    // Recall reaches 1 at the last detection; with the sentinels the envelope is 1 on [0, 1) and 0 at
    // recall 1, so the 101-point trapezoid loses half of the last 0.01 interval: 0.99 + 0.005 = 0.995.
    const truths = [gt(0, 0, [10, 10, 50, 50]), gt(0, 1, [60, 60, 90, 100]), gt('b', 0, [0, 0, 20, 30])];
    const preds = truths.map((t, i) => det(t.image, t.cls, 0.9 - 0.1 * i, [...t.box] as Box));
    const m = evaluateDetections(preds, truths, 2);
    expect(m.map50).toBeCloseTo(0.995, 12);
    expect(m.map).toBeCloseTo(0.995, 12);
    expect(m.perClassAP[0]).toBeCloseTo(0.995, 12);
    expect(m.perClassAP[1]).toBeCloseTo(0.995, 12);
    expect(m.precision).toBeCloseTo(1, 12);
    expect(m.recall).toBeCloseTo(1, 12);
    expect(fitness(m)).toBeCloseTo(0.995, 12);
  });

  it('counts a box at IoU 0.62 at thresholds 0.50, 0.55, 0.60 only', () => {
    // IoU of [0,0,62,100] with [0,0,100,100] = 6200 / 10000 = 0.62 < 0.65.
    const m = evaluateDetections([det(0, 0, 0.8, [0, 0, 62, 100])], [gt(0, 0, [0, 0, 100, 100])], 1);
    expect(m.map50).toBeCloseTo(0.995, 12);
    expect(m.map).toBeCloseTo((3 / 10) * 0.995, 12);
    expect(m.perClassAP).toHaveLength(1);
    expect(m.perClassAP[0]).toBeCloseTo(0.2985, 12);
  });

  it('lowers AP by the right amount when a false positive outranks the true positive', () => {
    // Ranked FP (0.9) then TP (0.8): recall [0, 1], precision [0, 0.5].
    // mrec = [0, 0, 1, 1], mpre = [1, 0, 0.5, 0] -> envelope [1, 0.5, 0.5, 0].
    // np.interp at recall 0 takes the last duplicate (0.5); on (0, 1) it is 0.5; at recall 1 it is 0.
    // Trapezoid over 101 points: 99 * 0.01 * 0.5 + 0.01 * (0.5 + 0) / 2 = 0.495 + 0.0025 = 0.4975.
    const truth = gt(0, 0, [10, 10, 40, 40]);
    const fpFirst = evaluateDetections(
      [det(0, 0, 0.9, [100, 100, 140, 140]), det(0, 0, 0.8, [10, 10, 40, 40])], [truth], 1);
    expect(fpFirst.map50).toBeCloseTo(0.4975, 12);
    expect(fpFirst.map).toBeCloseTo(0.4975, 12);
    // The same FP ranked below the TP costs nothing: the envelope is 1 until recall 1.
    const fpLast = evaluateDetections(
      [det(0, 0, 0.7, [100, 100, 140, 140]), det(0, 0, 0.8, [10, 10, 40, 40])], [truth], 1);
    expect(fpLast.map50).toBeCloseTo(0.995, 12);
  });

  it('matches each truth once: a duplicate detection is a false positive', () => {
    // TP (0.9) then duplicate (0.8) on the same truth: as the FP-last case, AP 0.995;
    // but with the duplicate first (0.95, slightly worse box) the better box is the FP.
    const truth = gt(0, 0, [0, 0, 100, 100]);
    const dupFirst = evaluateDetections(
      [det(0, 0, 0.95, [0, 0, 90, 100]), det(0, 0, 0.9, [0, 0, 100, 100])], [truth], 1);
    // IoU 0.9 of the first detection: TP at 0.50..0.90 (9 thresholds), then at 0.95 the second one
    // is the TP behind an FP (0.4975).
    expect(dupFirst.map).toBeCloseTo((9 * 0.995 + 0.4975) / 10, 12);
  });

  it('leaves classes without truths out of the means and scores missed classes 0', () => {
    const truths = [gt(0, 0, [0, 0, 10, 10]), gt(0, 1, [20, 20, 30, 30])];
    const preds = [det(0, 0, 0.9, [0, 0, 10, 10]), det(0, 2, 0.99, [50, 50, 60, 60])];
    const m = evaluateDetections(preds, truths, 4);
    // Class 0 perfect (0.995), class 1 has truths but no detection (0), classes 2 and 3 have no truths.
    expect(m.map50).toBeCloseTo(0.995 / 2, 12);
    expect(m.perClassAP[0]).toBeCloseTo(0.995, 12);
    expect(m.perClassAP[1]).toBe(0);
    expect(m.perClassAP[2]).toBeNaN();
    expect(m.perClassAP[3]).toBeNaN();
    const onlyClass0 = evaluateDetections(preds, [truths[0]], 4);
    expect(onlyClass0.map).toBeCloseTo(0.995, 12);
  });

  it('takes P and R at the max-F1 confidence', () => {
    // 2 truths, 1 found at conf 0.9, no FP: precision is 1 at every confidence (left = 1 above 0.9),
    // recall is 0.5 up to 0.9 and 0 above, so F1 = 2*1*0.5/1.5 = 2/3 is maximal at low confidence.
    const truths = [gt(0, 0, [0, 0, 10, 10]), gt(1, 0, [0, 0, 10, 10])];
    const m = evaluateDetections([det(0, 0, 0.9, [0, 0, 10, 10])], truths, 1);
    expect(m.precision).toBeCloseTo(1, 12);
    expect(m.recall).toBeCloseTo(0.5, 12);
    expect(m.f1).toBeCloseTo(2 / 3, 12);
  });

  it('matches only within the same image and class', () => {
    const truths = [gt(0, 0, [0, 0, 10, 10])];
    const wrongImage = evaluateDetections([det(1, 0, 0.9, [0, 0, 10, 10])], truths, 2);
    const wrongClass = evaluateDetections([det(0, 1, 0.9, [0, 0, 10, 10])], truths, 2);
    for (const m of [wrongImage, wrongClass]) {
      expect(m.map50).toBe(0);
      expect(m.precision).toBe(0);
      expect(m.perClassAP[0]).toBe(0);
    }
  });

  it('rejects bad input naming the entry, value and fix', () => {
    expect(() => evaluateDetections([det(0, 3, 0.5, [0, 0, 1, 1])], [], 3)).toThrow(
      /predictions\[0\]\.cls is invalid \(received 3\); use an integer class id in \[0, 2\]/,
    );
    expect(() => evaluateDetections([], [gt(0, 0, [0, 0, Number.NaN, 1])], 3)).toThrow(/truths\[0\]\.box/);
    expect(() => evaluateDetections([], [], 0)).toThrow(/nc is invalid \(received 0\)/);
  });
});

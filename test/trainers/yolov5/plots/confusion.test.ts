import { describe, expect, it } from 'vitest';
import { confusionMatrix, normalizeColumns } from '../../../../src/trainers/yolov5/plots/confusion.ts';
import type { Detection, GroundTruth } from '../../../../src/trainers/yolov5/types.ts';

const box = (x: number, y: number, s = 10): [number, number, number, number] => [x, y, x + s, y + s];

describe("YOLOv5's confusion matrix", () => {
  it('counts correct, confused, missed and spurious boxes per image, above conf 0.25 and IoU 0.45', () => {
    const truths: GroundTruth[] = [
      { image: 0, cls: 0, box: box(0, 0) },
      { image: 0, cls: 1, box: box(50, 50) },
      { image: 1, cls: 1, box: box(0, 0) }, // found by nothing
    ];
    const detections: Detection[] = [
      { image: 0, cls: 0, conf: 0.9, box: box(1, 1) }, // correct (IoU 0.68)
      { image: 0, cls: 0, conf: 0.8, box: box(51, 50) }, // class 1 taken for class 0
      { image: 0, cls: 1, conf: 0.7, box: box(100, 100) }, // matches nothing: predicted background
      { image: 0, cls: 1, conf: 0.2, box: box(0, 0) }, // below conf 0.25: ignored
      { image: 1, cls: 0, conf: 0.9, box: box(5, 5) }, // IoU 0.14 < 0.45: no match
      { image: 2, cls: 0, conf: 0.9, box: box(0, 0) }, // an image without matches: not counted (as in YOLOv5)
    ];
    const { counts } = confusionMatrix(detections, truths, 2);
    // rows predicted (0, 1, background), columns true (0, 1, background)
    expect(counts).toEqual([
      [1, 1, 0],
      [0, 0, 1],
      [0, 1, 0],
    ]);
    const normalized = normalizeColumns({ nc: 2, counts });
    expect(normalized.map((row) => row[1])).toEqual([expect.closeTo(0.5, 9), 0, expect.closeTo(0.5, 9)]);
    expect(normalized[1][2]).toBeCloseTo(1, 8);
  });

  it('gives each detection its best truth first, so a truth can stay unmatched where greedy matching would pair it', () => {
    // Both detections prefer truth b; b keeps d0, so d1 (IoU 0.67 with truth a) is spurious and a is missed.
    const truths: GroundTruth[] = [
      { image: 0, cls: 0, box: [3, 0, 13, 10] }, // a
      { image: 0, cls: 0, box: [0, 0, 10, 10] }, // b
    ];
    const detections: Detection[] = [
      { image: 0, cls: 0, conf: 0.9, box: [0, 0, 10, 9] }, // IoU 0.9 with b
      { image: 0, cls: 0, conf: 0.8, box: [1, 0, 11, 10] }, // IoU 0.82 with b, 0.67 with a
    ];
    expect(confusionMatrix(detections, truths, 1).counts).toEqual([
      [1, 1],
      [1, 0],
    ]);
  });
});

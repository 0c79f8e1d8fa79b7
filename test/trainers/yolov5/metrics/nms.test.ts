import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { nonMaxSuppression, nonMaxSuppressionBatch } from '../../../../src/trainers/yolov5/metrics/nms.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** One decoded row: cx, cy, w, h, obj, class probabilities. */
function rows(...r: number[][]): Float32Array {
  return Float32Array.from(r.flat());
}

describe('nonMaxSuppression (YOLOv5 semantics)', () => {
  it('suppresses an overlapping box of the same class and keeps one of another class', () => {
    const input = rows(
      [50, 50, 40, 40, 0.9, 0.9, 0.1], // A: class 0, conf 0.81
      [52, 50, 40, 40, 0.8, 0.9, 0.1], // B: IoU with A 38/42 = 0.90 -> suppressed
      [51, 50, 40, 40, 0.7, 0.1, 0.9], // C: same place, class 1 -> kept
      [150, 150, 20, 20, 0.6, 0.8, 0.2], // D: far away -> kept
    );
    const out = nonMaxSuppression(input, { nc: 2, image: 'img7' });
    expect(out.map((d) => [d.cls, Number(d.conf.toFixed(4))])).toEqual([[0, 0.81], [1, 0.63], [0, 0.48]]);
    expect(out[0].box).toEqual([30, 30, 70, 70]);
    expect(out[0].image).toBe('img7');
    // Class-agnostic NMS drops C too.
    expect(nonMaxSuppression(input, { nc: 2, agnostic: true })).toHaveLength(2);
  });

  it('keeps an overlap at or below the IoU threshold', () => {
    // Two 10x10 boxes shifted by 5: IoU 50 / 150 = 1/3.
    const input = rows([10, 10, 10, 10, 0.9, 1], [15, 10, 10, 10, 0.8, 1]);
    expect(nonMaxSuppression(input, { nc: 1, iouThres: 0.34 })).toHaveLength(2);
    expect(nonMaxSuppression(input, { nc: 1, iouThres: 0.33 })).toHaveLength(1);
  });

  it('filters by objectness and by obj * cls, and caps at maxDet', () => {
    const input = rows(
      [10, 10, 4, 4, 0.2, 1], // kept
      [30, 10, 4, 4, 0.05, 1], // obj <= confThres
      [50, 10, 4, 4, 0.5, 0.15], // conf 0.075 <= 0.1
      [70, 10, 4, 4, 0.3, 1], // kept
    );
    const out = nonMaxSuppression(input, { nc: 1, confThres: 0.1 });
    expect(out.map((d) => d.box[0])).toEqual([68, 8]);
    expect(nonMaxSuppression(input, { nc: 1, confThres: 0.1, maxDet: 1 })).toHaveLength(1);
  });

  it('emits one detection per class above the threshold with multiLabel', () => {
    const input = rows([10, 10, 4, 4, 0.9, 0.6, 0.5, 0.0005]);
    expect(nonMaxSuppression(input, { nc: 3 }).map((d) => d.cls)).toEqual([0]);
    const multi = nonMaxSuppression(input, { nc: 3, multiLabel: true });
    expect(multi.map((d) => d.cls)).toEqual([0, 1]);
  });

  it('reads tensors per image and per batch', () => {
    const t = tf.tensor3d([[[10, 10, 4, 4, 0.9, 1]], [[20, 20, 4, 4, 0.9, 1]]]);
    const batch = nonMaxSuppressionBatch(t, {}, 10);
    expect(batch.map((b) => b.map((d) => d.image))).toEqual([[10], [11]]);
    const one = tf.tensor2d([[20, 20, 4, 4, 0.9, 1]]);
    expect(nonMaxSuppression(one)[0].box).toEqual([18, 18, 22, 22]);
    tf.dispose([t, one]);
  });

  it('rejects a Float32Array without nc and bad thresholds', () => {
    expect(() => nonMaxSuppression(rows([1, 1, 1, 1, 1, 1]))).toThrow(/nc is invalid \(received undefined\)/);
    expect(() => nonMaxSuppression(rows([1, 1, 1, 1, 1, 1]), { nc: 1, iouThres: 1.5 })).toThrow(/iouThres/);
  });
});

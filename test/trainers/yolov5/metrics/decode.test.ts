import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { decodePredictions } from '../../../../src/trainers/yolov5/metrics/decode.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const logit = (p: number) => Math.log(p / (1 - p));

describe('decodePredictions', () => {
  it('applies YOLOv5 Detect decoding per cell and anchor', () => {
    // One layer, 2x2 grid, 2 anchors, stride 8, nc = 1.
    const anchors = [[[10, 13], [16, 30]] as [number, number][]];
    const raw = new Float32Array(2 * 2 * 2 * 6);
    // Cell (y=1, x=0), anchor 1: sigmoid(xy) = 0.75 -> (2*0.75 - 0.5 + cell) * 8; sigmoid(wh) = 0.25 -> (0.5)^2 * anchor.
    const o = ((1 * 2 + 0) * 2 + 1) * 6;
    raw.set([logit(0.75), logit(0.75), logit(0.25), logit(0.25), logit(0.6), logit(0.3)], o);
    const out = decodePredictions([tf.tensor(raw, [1, 2, 2, 2, 6])], anchors, [8]);
    expect(out.shape).toEqual([1, 8, 6]);
    const v = out.dataSync();
    const row = Array.from(v.subarray(((1 * 2 + 0) * 2 + 1) * 6, ((1 * 2 + 0) * 2 + 2) * 6));
    const expected = [(1.5 - 0.5 + 0) * 8, (1.5 - 0.5 + 1) * 8, 0.25 * 16, 0.25 * 30, 0.6, 0.3];
    row.forEach((x, i) => expect(x).toBeCloseTo(expected[i], 4));
    // A zero logit decodes to the cell centre + 0.5 and exactly the anchor size.
    expect(Array.from(v.subarray(0, 4))).toEqual([4, 4, 10, 13]);
  });

  it('concatenates layers in order', () => {
    const p3 = tf.zeros([2, 4, 4, 3, 7]);
    const p4 = tf.zeros([2, 2, 2, 3, 7]);
    const out = decodePredictions([p3, p4], [[[1, 1], [2, 2], [3, 3]], [[4, 4], [5, 5], [6, 6]]], [8, 16]);
    expect(out.shape).toEqual([2, 48 + 12, 7]);
    expect(out.dataSync()[48 * 7 + 2]).toBe(4);
  });
});

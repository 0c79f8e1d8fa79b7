/**
 * Test helpers: the trainer's validation predictions of a set of images (val.py's path in
 * train.ts: letterboxed batches, eval forward, decode, NMS) mapped back to original pixels, and a
 * tolerant comparison of detection lists (ONNX Runtime vs TF.js differ by float rounding only).
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import type { ApiDetection } from '../../src/serve/pipeline/postprocess.ts';
import { createBatches, letterbox, openImageSet } from '../../src/trainers/yolov5/data/index.ts';
import { filledImage, resizedShape } from '../../src/trainers/yolov5/data/image.ts';
import { decodePredictions } from '../../src/trainers/yolov5/metrics/decode.ts';
import type { YoloModel } from '../../src/trainers/yolov5/model/index.ts';
import { nonMaxSuppressionBatch, type NmsOptions } from '../../src/trainers/yolov5/metrics/nms.ts';
import { DEFAULT_HYP, type Detection } from '../../src/trainers/yolov5/types.ts';

/** Validation predictions per image file of `folder`, in the files' sorted order, boxes in original pixels. */
export async function validationPredictions(model: YoloModel, folder: string, size: number, nms: NmsOptions): Promise<{ file: string; detections: ApiDetection[] }[]> {
  const set = await openImageSet(folder, { nc: model.nc });
  const out: { file: string; detections: ApiDetection[] }[] = [];
  const batches = createBatches(set, { imgSize: size, batchSize: 4, hyp: DEFAULT_HYP, augment: false, shuffle: false, seed: 0, cache: false });
  let offset = 0;
  for await (const batch of batches) {
    let perImage: Detection[][] = [];
    tf.tidy(() => {
      const x = tf.tensor4d(batch.images, [batch.batchSize, size, size, 3]);
      perImage = nonMaxSuppressionBatch(decodePredictions(model.forward(x, false), model.anchors, model.strides), nms, offset);
    });
    perImage.forEach((dets, k) => {
      const i = offset + k;
      const { width, height } = set.shapes[i];
      const resized = resizedShape(width, height, size);
      const { placement } = letterbox(filledImage(resized.width, resized.height), size);
      const gain = size / Math.max(width, height);
      const clip = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
      out.push({
        file: set.files[i],
        detections: dets.map((d) => ({
          class_id: d.cls, class_name: '', confidence: d.conf,
          box: {
            x1: clip((d.box[0] - placement.left) / gain, width), y1: clip((d.box[1] - placement.top) / gain, height),
            x2: clip((d.box[2] - placement.left) / gain, width), y2: clip((d.box[3] - placement.top) / gain, height),
          },
        })),
      });
    });
    offset += batch.batchSize;
  }
  return out;
}

/** Asserts two detection lists are the same detections (as multisets, within float tolerance). */
export function expectSameDetections(actual: ApiDetection[], expected: ApiDetection[], what: string, tol = { conf: 1e-4, px: 1e-2 }): void {
  expect(actual.length, `${what}: detection count`).toBe(expected.length);
  const left = [...expected];
  for (const d of actual) {
    const k = left.findIndex((e) => e.class_id === d.class_id && Math.abs(e.confidence - d.confidence) < tol.conf &&
      (['x1', 'y1', 'x2', 'y2'] as const).every((c) => Math.abs(e.box[c] - d.box[c]) < tol.px));
    expect(k, `${what}: ${JSON.stringify(d)} has no match`).toBeGreaterThanOrEqual(0);
    left.splice(k, 1);
  }
}

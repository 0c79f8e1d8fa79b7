/**
 * The trainer's own TF.js forward pass as a DetectorRuntime: the fallback when ONNX Runtime is
 * missing, and the reference its output is checked against. Output rows are reordered from the
 * trainer's (level, y, x, anchor) to the export's (level, anchor, y, x).
 */
import * as tf from '@tensorflow/tfjs-core';
import { decodeToArray } from '../../trainers/yolov5/metrics/decode.ts';
import type { YoloModel } from '../../trainers/yolov5/model/index.ts';
import type { DetectorRuntime } from './types.ts';

/** Wraps `model` (owned by the caller until dispose, which disposes it). */
export function createTfjsRuntime(model: YoloModel, size: number): DetectorRuntime {
  return {
    kind: 'tfjs', size, nc: model.nc, maxBatch: Number.POSITIVE_INFINITY, concurrency: 1,
    async run(input, n) {
      const decoded = tf.tidy(() => {
        const x = tf.transpose(tf.tensor4d(input.subarray(0, n * 3 * size * size), [n, 3, size, size]), [0, 2, 3, 1]) as tf.Tensor4D;
        const preds = model.forward(x, false);
        const out = decodeToArray(preds, model.anchors, model.strides);
        return out;
      });
      return { data: toExportOrder(decoded.data, n, model, size), rows: decoded.shape[1] };
    },
    dispose: async () => model.dispose(),
  };
}

/** Reorders decodeToArray rows (level, y, x, anchor) into the ONNX export's (level, anchor, y, x). */
export function toExportOrder(data: Float32Array, n: number, model: Pick<YoloModel, 'anchors' | 'strides' | 'nc'>, size: number): Float32Array {
  const no = 5 + model.nc;
  const na = model.anchors[0].length;
  const perImage = model.strides.reduce((s, st) => s + na * (size / st) ** 2, 0);
  const out = new Float32Array(data.length);
  for (let img = 0; img < n; img++) {
    let level0 = img * perImage;
    for (const stride of model.strides) {
      const cells = (size / stride) ** 2;
      for (let cell = 0; cell < cells; cell++) {
        for (let a = 0; a < na; a++) {
          const src = (level0 + cell * na + a) * no;
          const dst = (level0 + a * cells + cell) * no;
          out.set(data.subarray(src, src + no), dst);
        }
      }
      level0 += na * cells;
    }
  }
  return out;
}

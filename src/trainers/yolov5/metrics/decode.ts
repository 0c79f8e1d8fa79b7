/**
 * Turns raw head outputs into boxes in input pixels, as YOLOv5's Detect.forward does at
 * inference: sigmoid everything; xy = (2s - 0.5 + cell) * stride; wh = (2s)^2 * anchor.
 * Runs in JS over the tensors' values: rank-5 split/concat kernels are slow on WASM, and the
 * result goes to NMS in JS anyway.
 */
import * as tf from '@tensorflow/tfjs-core';

type Anchors = readonly (readonly (readonly [number, number])[])[];

/**
 * Decodes every layer into one [B, N, 5+nc] array of rows (cx, cy, w, h, obj, cls...), pixels of
 * the network input, probabilities in [0, 1]. `preds[i]`: [B, ny, nx, na, 5+nc] pre-sigmoid;
 * `anchors` in pixels; N = sum over layers of ny*nx*na; rows run layer, y, x, anchor.
 */
export function decodeToArray(preds: tf.Tensor[], anchors: Anchors, strides: readonly number[]): {
  data: Float32Array;
  shape: [number, number, number];
} {
  const b = preds[0].shape[0] as number;
  const no = preds[0].shape[4] as number;
  const perImage = preds.reduce((n, p) => n + p.size / b / no, 0);
  const out = new Float32Array(b * perImage * no);
  let layerOffset = 0;
  preds.forEach((p, i) => {
    const [, ny, nx, na] = p.shape as number[];
    const x = p.dataSync();
    const rowsPerImage = ny * nx * na;
    const stride = strides[i];
    for (let img = 0; img < b; img++) {
      for (let r = 0; r < rowsPerImage; r++) {
        const src = (img * rowsPerImage + r) * no;
        const dst = (img * perImage + layerOffset + r) * no;
        const a = r % na;
        const cell = (r - a) / na;
        const gx = cell % nx;
        const gy = (cell - gx) / nx;
        for (let k = 0; k < no; k++) out[dst + k] = 1 / (1 + Math.exp(-x[src + k]));
        out[dst] = (out[dst] * 2 - 0.5 + gx) * stride;
        out[dst + 1] = (out[dst + 1] * 2 - 0.5 + gy) * stride;
        out[dst + 2] = (out[dst + 2] * 2) ** 2 * anchors[i][a][0];
        out[dst + 3] = (out[dst + 3] * 2) ** 2 * anchors[i][a][1];
      }
    }
    layerOffset += rowsPerImage;
  });
  return { data: out, shape: [b, perImage, no] };
}

/** {@link decodeToArray} as a tensor [B, N, 5+nc] (YOLOv5's inference output). The caller disposes it. */
export function decodePredictions(preds: tf.Tensor[], anchors: Anchors, strides: readonly number[]): tf.Tensor3D {
  const { data, shape } = decodeToArray(preds, anchors, strides);
  return tf.tensor3d(data, shape);
}

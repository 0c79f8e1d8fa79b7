/**
 * Test helper: a YOLOv5 with every variable randomized (BatchNorm statistics and affine too), so
 * BN folding and every layer matter in equivalence checks; random-init weights alone would make
 * BatchNorm an identity. Conv and Detect weights are scaled up so that scores differ from cell
 * to cell instead of collapsing to their priors: detections then have distinct confidences, as
 * a trained model's do, and NMS has no near-ties to break by float noise.
 */
import * as tf from '@tensorflow/tfjs-core';
import seedrandom from 'seedrandom';
import { initInferenceBackend } from '../../src/serve/model-source.ts';
import { exportOnnx } from '../../src/serve/onnx/export.ts';
import { createYoloModel, type YoloModel, type YoloSize } from '../../src/trainers/yolov5/model/index.ts';

/** Conv weights x2 (about He's gain) keep the signal alive through 50+ layers in eval mode. */
const CONV_GAIN = 2;
const HEAD_GAIN = 4;

export async function randomModel(size: YoloSize, nc: number, seed = 1): Promise<YoloModel> {
  await initInferenceBackend();
  const model = createYoloModel({ size, nc, seed });
  const rng = seedrandom(`serve-test-${seed}`);
  const u = (lo: number, hi: number) => lo + (hi - lo) * rng();
  for (const { name, variable } of model.namedVariables()) {
    const fill = (f: () => number) => variable.assign(tf.tensor(Float32Array.from({ length: variable.size }, f), variable.shape));
    if (name.endsWith('bn.weight')) fill(() => u(0.5, 1.5));
    else if (name.endsWith('bn.bias')) fill(() => u(-0.3, 0.3));
    else if (name.endsWith('running_mean')) fill(() => u(-0.2, 0.2));
    else if (name.endsWith('running_var')) fill(() => u(0.5, 2));
    else if (name.endsWith('conv.weight')) variable.assign(tf.mul(variable, CONV_GAIN));
    else if (name.startsWith('model.24.') && name.endsWith('.weight')) variable.assign(tf.mul(variable, HEAD_GAIN));
  }
  return model;
}

/** A random yolov5n (3 classes a, b, c) exported as a dynamic-batch ONNX model at `size`. */
export async function randomOnnx(size: number, seed: number, taskId: string): Promise<Uint8Array> {
  const model = await randomModel('n', 3, seed);
  try {
    return exportOnnx(model, { size, dynamicBatch: true, names: ['a', 'b', 'c'], taskId });
  } finally {
    model.dispose();
  }
}

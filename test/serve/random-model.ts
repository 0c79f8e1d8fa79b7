/**
 * Test helper: a YOLOv5 with every variable randomized (BatchNorm statistics and affine too), so
 * BN folding and every layer matter in equivalence checks; random-init weights alone would make
 * BatchNorm an identity.
 */
import * as tf from '@tensorflow/tfjs-core';
import seedrandom from 'seedrandom';
import { createYoloModel, initBackend, type YoloModel, type YoloSize } from '../../src/trainers/yolov5/model/index.ts';

export async function randomModel(size: YoloSize, nc: number, seed = 1): Promise<YoloModel> {
  await initBackend('wasm');
  const model = createYoloModel({ size, nc, seed });
  const rng = seedrandom(`serve-test-${seed}`);
  const u = (lo: number, hi: number) => lo + (hi - lo) * rng();
  for (const { name, variable } of model.namedVariables()) {
    const fill = (f: () => number) => variable.assign(tf.tensor(Float32Array.from({ length: variable.size }, f), variable.shape));
    if (name.endsWith('bn.weight')) fill(() => u(0.5, 1.5));
    else if (name.endsWith('bn.bias')) fill(() => u(-0.3, 0.3));
    else if (name.endsWith('running_mean')) fill(() => u(-0.2, 0.2));
    else if (name.endsWith('running_var')) fill(() => u(0.5, 2));
  }
  return model;
}

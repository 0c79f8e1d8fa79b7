/**
 * What a trained model costs at inference, reported beside its accuracy so studies can trade
 * mAP against size and speed (several objectives, constraints):
 * - `x/params`: parameters after fusing each BatchNorm into its conv (gammas fold into the conv
 *   weights, betas become the conv bias), as YOLOv5's `model.fuse()` then `model_info()` count;
 * - `x/gflops`: 2 x multiply-adds of one image at the training size, counted from the shapes of
 *   the conv and matMul kernels an eval forward pass runs (thop counts the same convs);
 * - `x/latency_ms`: median wall time of an eval forward pass of one image at the training size,
 *   on this process's backend, after one warm-up pass.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CONV2D } from '../kernels/conv2d.ts';
import { MAT_MUL } from '../kernels/mat-mul.ts';
import type { YoloModel } from './index.ts';

export interface ModelCost {
  'x/params': number;
  'x/gflops': number;
  'x/latency_ms': number;
}

/** Parameters after BatchNorm fusion: conv and head weights plus one bias per output channel. */
export function fusedParamCount(model: YoloModel): number {
  const { weights, biases } = model.trainableVariables();
  return [...weights, ...biases].reduce((n, v) => n + v.size, 0);
}

/** FLOPs of one kernel call from its input and output shapes (conv and matMul kernels, TF.js's and ours; others count 0). */
export function kernelFlops(name: string, inputShapes: readonly number[][], outputShapes: readonly number[][]): number {
  const out = outputShapes[0];
  if (!out) return 0;
  if (name === MAT_MUL) {
    // Ours: out = sum_i a_i b_i, inputs a_0, b_0, a_1, ...; the shared dimension is a_i's second.
    let k = 0;
    for (let i = 0; i < inputShapes.length; i += 2) k += inputShapes[i][1];
    return 2 * out[0] * out[1] * k;
  }
  if (name === 'Conv2D' || name === 'FusedConv2D' || name === CONV2D) {
    const [kh, kw, ci] = inputShapes[1];
    return 2 * out.reduce((a, b) => a * b, 1) * kh * kw * ci;
  }
  if (name === 'BatchMatMul' || name === '_FusedMatMul' || name === 'MatMul') {
    const a = inputShapes[0];
    const b = inputShapes[1];
    // Output [.., m, n]; the shared dimension is the one of b's last two that is not n.
    const n = out[out.length - 1];
    const k = b[b.length - 1] === n ? b[b.length - 2] : b[b.length - 1];
    return 2 * out.reduce((x, y) => x * y, 1) * (k ?? a[a.length - 1]);
  }
  return 0;
}

/** Measures params, GFLOPs and latency of `model` at `imgSize` (batch 1). */
export async function measureModelCost(model: YoloModel, imgSize: number, runs = 5): Promise<ModelCost> {
  const x = tf.zeros([1, imgSize, imgSize, 3]) as tf.Tensor4D;
  try {
    const forward = async (): Promise<void> => {
      const outs = model.forward(x, false);
      await Promise.all(outs.map((o) => o.data()));
      tf.dispose(outs);
    };
    const profile = await tf.profile(forward);
    const flops = profile.kernels.reduce((sum, k) => sum + kernelFlops(k.name, k.inputShapes, k.outputShapes), 0);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await forward();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return { 'x/params': fusedParamCount(model), 'x/gflops': flops / 1e9, 'x/latency_ms': times[Math.floor(times.length / 2)] };
  } finally {
    x.dispose();
  }
}

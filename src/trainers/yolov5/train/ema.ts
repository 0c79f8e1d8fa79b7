/**
 * YOLOv5's ModelEMA (utils/torch_utils.py, after Tensorflow's ExponentialMovingAverage): an
 * exponential moving average of every floating-point model tensor (weights and BatchNorm
 * running stats), with a decay that ramps up over the first updates:
 * d(n) = decay * (1 - exp(-n / tau)), ema = d * ema + (1 - d) * model.
 * Validation and the saved `best.bin` use the EMA weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import { emaBlendUpdate, hasWeightUpdateKernels } from '../kernels/weight-update.ts';

export const EMA_DECAY = 0.9999;
export const EMA_TAU = 2000;

/** The decay after `updates` updates: decay * (1 - exp(-updates / tau)). */
export function emaDecay(updates: number, decay = EMA_DECAY, tau = EMA_TAU): number {
  return decay * (1 - Math.exp(-updates / tau));
}

/**
 * Averages `source` variables into `target` variables of the same shapes (usually the
 * trainable + state variables of a second model instance, so it can run forward on its own).
 */
export class ModelEMA {
  updates: number;

  constructor(
    private readonly source: readonly tf.Variable[],
    private readonly target: readonly tf.Variable[],
    options: { updates?: number; copy?: boolean } = {},
  ) {
    if (source.length !== target.length) {
      throw new RangeError(`ModelEMA: ${source.length} source variables but ${target.length} target variables`);
    }
    source.forEach((s, i) => {
      if (!sameShape(s.shape, target[i].shape)) {
        throw new RangeError(`ModelEMA: variable ${i} (${s.name}) has shape [${s.shape}] but its average has [${target[i].shape}]`);
      }
    });
    this.updates = options.updates ?? 0;
    // YOLOv5 starts the average as a copy of the model.
    if (options.copy ?? true) this.copyFromSource();
  }

  /** One update after an optimizer step; returns the decay used. */
  update(): number {
    this.updates += 1;
    const d = emaDecay(this.updates);
    // One fused pass per variable where the backend has it; the same float32 arithmetic either way.
    const blend = hasWeightUpdateKernels()
      ? (t: tf.Tensor, s: tf.Tensor) => emaBlendUpdate(t, s, d)
      : (t: tf.Tensor, s: tf.Tensor) => tf.add(tf.mul(t, d), tf.mul(s, 1 - d));
    tf.tidy(() => {
      this.source.forEach((s, i) => this.target[i].assign(blend(this.target[i], s)));
    });
    return d;
  }

  /** Sets the average to the model's current values (a fresh start, e.g. after loading weights). */
  copyFromSource(): void {
    tf.tidy(() => this.source.forEach((s, i) => this.target[i].assign(s.clone())));
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

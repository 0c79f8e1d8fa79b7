/** Shared helpers of the model tests. */
import * as tf from '@tensorflow/tfjs-core';

/** max |a - b| / max(|b|, tiny): one relative error figure for a whole tensor. */
export function relError(a: tf.Tensor, b: tf.Tensor): number {
  const av = a.dataSync();
  const bv = b.dataSync();
  if (av.length !== bv.length) throw new Error(`sizes differ: ${av.length} vs ${bv.length}`);
  let diff = 0;
  let scale = 1e-12;
  for (let i = 0; i < av.length; i++) {
    diff = Math.max(diff, Math.abs(av[i] - bv[i]));
    scale = Math.max(scale, Math.abs(bv[i]));
  }
  return diff / scale;
}

/** Runs `f` with `backend` active, then restores the previous backend. */
export async function onBackend<T>(backend: string, f: () => T): Promise<T> {
  const before = tf.getBackend();
  await tf.setBackend(backend);
  try {
    return f();
  } finally {
    await tf.setBackend(before);
  }
}

/** Seeded uniform values in [-1, 1). */
export function seeded(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}

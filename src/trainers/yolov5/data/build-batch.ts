/**
 * One batch built from its samples: the work a batch thread does. Kept apart from loader.ts, whose
 * options schema would make the thread load zod (0.75 MB of bundle) before its first batch.
 */
import type { Batch } from '../types.ts';
import { loadTrainSample, loadValSample, type Sample } from './augment.ts';
import type { ImageSet } from './image-set.ts';
import type { BatchOptions } from './loader.ts';
import { createRng } from '../../../core/index.ts';

/** Builds one batch on this thread: the images at `indices`, at positions `start`.. of the epoch (loader.ts BatchBuilder). */
export async function buildBatch(set: ImageSet, indices: number[], start: number, opts: BatchOptions): Promise<Batch> {
  const s = opts.imgSize;
  const samples: Sample[] = await Promise.all(
    indices.map((index, k) =>
      opts.augment
        ? loadTrainSample(set, index, s, opts.hyp, createRng(opts.seed, `sample:${start + k}`), opts.cache)
        : loadValSample(set, index, s, opts.cache),
    ),
  );
  const pixels = s * s * 3;
  const images = new Float32Array(samples.length * pixels);
  let rows = 0;
  for (let k = 0; k < samples.length; k++) {
    toUnitFloats(samples[k].image.data, images, k * pixels);
    rows += samples[k].labels.length / 5;
  }
  const targets = new Float32Array(rows * 6);
  let t = 0;
  for (let k = 0; k < samples.length; k++) {
    const labels = samples[k].labels;
    for (let j = 0; j < labels.length; j += 5) {
      targets[t++] = k;
      for (let c = 0; c < 5; c++) targets[t++] = labels[j + c];
    }
  }
  return { images, batchSize: samples.length, imgSize: s, targets, paths: indices.map((i) => set.files[i]) };
}

/** byte / 255 for every byte value, as float32 (the network input scale). */
const UNIT = Float32Array.from({ length: 256 }, (_, v) => v / 255);

function toUnitFloats(src: Uint8Array, out: Float32Array, offset: number): void {
  for (let i = 0; i < src.length; i++) out[offset + i] = UNIT[src[i]];
}

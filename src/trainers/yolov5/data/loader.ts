import { z } from 'zod';
import { createRng } from '../../../core/index.ts';
import { formatIssues } from '../../../core/parse-input.ts';
import type { Batch, Hyp } from '../types.ts';
import { buildBatch } from './build-batch.ts';
import { DatasetError } from './errors.ts';
import type { ImageSet } from './image-set.ts';

/** How to cut an ImageSet into batches. */
export interface BatchOptions {
  /** Network input side S (a multiple of 32, the largest stride). */
  imgSize: number;
  batchSize: number;
  hyp: Hyp;
  /** Train-time augmentation (mosaic, perspective, HSV, flips, mixup); false = letterbox only. */
  augment: boolean;
  shuffle: boolean;
  /** Seeds shuffling and augmentation. Pass a different seed per epoch (e.g. `${seed}:${epoch}`). */
  seed: number | string;
  /** Keep decoded, resized images in memory (on the ImageSet, so later epochs reuse them). */
  cache: boolean;
}

const optionsSchema = z.object({
  imgSize: z.number().int().min(32).refine((v) => v % 32 === 0, { message: 'must be a multiple of 32 (the largest stride)' }),
  batchSize: z.number().int().min(1),
  augment: z.boolean(),
  shuffle: z.boolean(),
  seed: z.union([z.number(), z.string()]),
  cache: z.boolean(),
});

/**
 * Builds the batch of the images at `indices`, which sit at positions `start`.. of the epoch's
 * order (the positions seed their augmentation). buildBatch (build-batch.ts) on this thread, or a
 * batch thread (batch-thread.ts) that gives the same batches byte for byte.
 */
export type BatchBuilder = (indices: number[], start: number, opts: BatchOptions) => Promise<Batch>;

/**
 * Cuts `set` into batches (the last partial batch is kept). With `shuffle` the order is a seeded
 * permutation; with `augment` every sample is augmented from its own seeded stream (seed, position),
 * so the same options give the same batches byte for byte, whatever the decode timing or thread. The
 * first batch starts building when the iterable is made (a trainer makes the first epoch's while it
 * builds its model); each next batch is prepared while the caller works on the current one (image
 * decoding runs in sharp's threads; with a batch thread as `builder`, all of the work does), starting
 * when the current one is ready. Targets are (imageIndexInBatch, class, cx, cy, w, h) normalized to the network input.
 * Bad options throw DatasetError at once; a corrupt image rejects the iteration when reached.
 * Without `cache` a mosaic decodes 4 images per sample: turn `cache` on when the set fits in memory.
 */
export function createBatches(set: ImageSet, opts: BatchOptions, builder?: BatchBuilder): AsyncIterable<Batch> {
  const checked = optionsSchema.safeParse(opts, { reportInput: true });
  if (!checked.success) throw new DatasetError(formatIssues(checked.error.issues, 'batch options'));
  const order = Array.from(set.files.keys());
  if (opts.shuffle) {
    const rng = createRng(opts.seed, 'shuffle');
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
  }
  const starts: number[] = [];
  for (let i = 0; i < order.length; i += opts.batchSize) starts.push(i);
  const buildWith = builder ?? ((indices: number[], start: number, o: BatchOptions) => buildBatch(set, indices, start, o));
  const build = (start: number) => buildWith(order.slice(start, start + opts.batchSize), start, opts);
  // Started now for the first iteration; an iterable left unread must not leave an unhandled rejection.
  let early = starts.length ? build(starts[0]) : undefined;
  early?.catch(() => {});
  return {
    async *[Symbol.asyncIterator]() {
      let pending = early ?? (starts.length ? build(starts[0]) : undefined);
      early = undefined;
      for (let b = 0; b < starts.length; b++) {
        const current = await pending!;
        // The next one starts once this one is built, not beside it: building two at once made
        // the first batch (and so a trial's first step) wait for half of the second's work.
        pending = b + 1 < starts.length ? build(starts[b + 1]) : undefined;
        // Unused prefetches must not become unhandled rejections when the consumer stops early.
        pending?.catch(() => {});
        yield current;
      }
    },
  };
}

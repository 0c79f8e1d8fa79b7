/**
 * A batch thread's warm-up while it waits for its image set: one small batch built from images in
 * memory (mosaic, random perspective, HSV, flips, float conversion), so that the run's first batch
 * runs in optimised code instead of paying for V8's first tiers, which made it about 3x a steady
 * batch. The thread starts it once sharp is loaded; builds posted meanwhile wait for it to end.
 */
import { DEFAULT_HYP, type Batch } from '../types.ts';
import { buildBatch } from './build-batch.ts';
import type { ImageSet } from './image-set.ts';
import { filledImage } from './image.ts';

const SIZE = 64;

/** Builds two small batches; returns the last (for its checks). */
export async function warmUpBatchCode(): Promise<Batch> {
  const shapes = [{ width: 48, height: 40 }, { width: 40, height: 48 }, { width: 48, height: 48 }, { width: 32, height: 40 }];
  const images = shapes.map((s, i) => filledImage(s.width, s.height, 60 + 40 * i));
  const set: ImageSet = {
    source: 'warm-up', nc: 1, files: shapes.map((_, i) => `warm-up-${i}`), shapes, warnings: [], backgrounds: 0,
    labels: shapes.map(() => Float32Array.of(0, 0.5, 0.5, 0.4, 0.3)),
    load: async (index) => images[index],
  };
  const build = (round: number) => buildBatch(set, [0, 1, 2, 3], 4 * round, { imgSize: SIZE, batchSize: 4, hyp: DEFAULT_HYP, augment: true, shuffle: false, seed: 'warm-up', cache: false });
  await build(0);
  return build(1);
}

/**
 * Data pipeline speed: ms per training batch (mosaic + perspective + HSV + flips, default hyp) and
 * per validation batch (letterbox only), with and without the in-memory image cache.
 * Run: node --import tsx bench/data.ts [--img 128] [--batch 16] [--batches 30]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { DEFAULT_HYP } from '../src/trainers/yolov5/types.ts';
import { createBatches, loadDatasetConfig, openImageSet, synthesizeDataset } from '../src/trainers/yolov5/data/index.ts';

const { values } = parseArgs({ options: { img: { type: 'string', default: '128' }, batch: { type: 'string', default: '16' }, batches: { type: 'string', default: '30' } } });
const img = Number(values.img), batchSize = Number(values.batch), batches = Number(values.batches);

const dir = await mkdtemp(join(tmpdir(), 'hpo-bench-data-'));
try {
  let t0 = performance.now();
  const { yamlPath } = await synthesizeDataset({ out: dir, train: 256, val: 64, img, classes: 3, seed: 1 });
  console.log(`synthesize 256+64 images at ${img} px: ${(performance.now() - t0).toFixed(0)} ms`);
  const cfg = loadDatasetConfig(yamlPath);
  t0 = performance.now();
  await openImageSet(cfg.train, { nc: cfg.nc });
  await openImageSet(cfg.val, { nc: cfg.nc });
  console.log(`open train+val (labels + headers): ${(performance.now() - t0).toFixed(0)} ms`);

  const rows: string[] = [];
  for (const [label, split, augment, cache] of [
    ['train, mosaic, cache', cfg.train, true, true],
    ['train, mosaic, no cache', cfg.train, true, false],
    ['val, letterbox, cache', cfg.val, false, true],
    ['val, letterbox, no cache', cfg.val, false, false],
  ] as const) {
    // A fresh set per row: the image cache lives on the set.
    const set = await openImageSet(split, { nc: cfg.nc });
    const times: number[] = [];
    const cpu: number[] = [];
    // Without our cache, also switch off libvips' operation cache so every image is really decoded.
    sharp.cache(cache);
    let epoch = 0;
    // Epoch 0 warms the cache (when on) and the JIT; it is not measured.
    for (let warm = true; times.length < batches; warm = false, epoch++) {
      const it = createBatches(set, { imgSize: img, batchSize, hyp: DEFAULT_HYP, augment, shuffle: augment, seed: `bench:${epoch}`, cache })[Symbol.asyncIterator]();
      for (;;) {
        const t = performance.now();
        const c = process.cpuUsage();
        const next = await it.next();
        if (next.done) break;
        if (!warm && next.value.batchSize === batchSize) {
          times.push(performance.now() - t);
          const used = process.cpuUsage(c);
          cpu.push((used.user + used.system) / 1000);
        }
        if (times.length >= batches) break;
      }
    }
    times.sort((a, b) => a - b);
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    const cpuMean = cpu.reduce((a, b) => a + b, 0) / cpu.length;
    rows.push(
      `${label.padEnd(26)} wall mean ${mean.toFixed(1).padStart(6)} ms, median ${times[times.length >> 1].toFixed(1).padStart(6)} ms; ` +
        `cpu mean ${cpuMean.toFixed(1).padStart(6)} ms  per batch of ${batchSize} x ${img} px (${times.length} batches)`,
    );
  }
  console.log(rows.join('\n'));
  console.log(`(cpu = this process's user+system time, sharp's threads included; it is the figure to trust on a busy machine.`);
  console.log(` The consumer does no work between batches, so prefetch overlap is not counted; rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB)`);
} finally {
  await rm(dir, { recursive: true, force: true });
}

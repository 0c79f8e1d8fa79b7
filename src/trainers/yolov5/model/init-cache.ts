/**
 * Seeded initial weights kept on disk. Drawing yolov5n's 1.8 M initial values from the seeded
 * stream is the largest single cost of a trial's start-up (130-170 ms of about 0.5 s to its first
 * step), and every trial of a study draws the same ones: a seed gives the same weights in every
 * version (model.test.ts pins them). So the first trial on a machine saves them under the cache
 * directory (`yolov5<size>-nc<nc>-seed<seed>.bin`) and later ones load them (16-75 ms). A file that
 * is not whole, was saved from another layout, or whose stream probe (the first values the seed's
 * stream gives) differs is ignored and replaced; a cache that cannot be written costs nothing but
 * the saving. A temporary file that a process killed while writing left behind is removed by the
 * next save once it is 10 minutes old.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createYoloModel, type YoloModel, type YoloModelOptions } from './index.ts';
import { initStream } from './params.ts';

const MAGIC = 'HPOINIT1';
/** Stream values kept beside the weights and drawn again on every load. */
const PROBE = 16;

/** The cache file of a seeded model. */
export function initCacheFile(dir: string, o: { size: string; nc: number; seed: number }): string {
  return join(dir, `yolov5${o.size}-nc${o.nc}-seed${o.seed}.bin`);
}

function probe(seed: number): Float32Array {
  const values = new Float32Array(PROBE);
  initStream(seed).fillSymmetric(values, 1);
  return values;
}

/** createYoloModel with `seed`, its initial weights read from `dir` when saved there before, else drawn and saved. */
export function createSeededModel(options: YoloModelOptions & { seed: number }, dir: string): YoloModel {
  const file = initCacheFile(dir, options);
  const expected = probe(options.seed);
  const weights = readCached(file, expected);
  if (weights) {
    const model = createYoloModel({ ...options, blank: true });
    try {
      model.load(weights);
      return model;
    } catch {
      model.dispose(); // saved from another layout: drawn and saved again below
    }
  }
  const model = createYoloModel(options);
  save(file, expected, model.serialize());
  return model;
}

/** The weights in `file` if it is ours and whole and its probe matches `expected`. */
function readCached(file: string, expected: Float32Array): Uint8Array | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined;
  }
  const head = MAGIC.length + 4 * PROBE + 8;
  if (bytes.length < head || bytes.toString('latin1', 0, MAGIC.length) !== MAGIC) return undefined;
  const stored = new Float32Array(bytes.buffer.slice(bytes.byteOffset + MAGIC.length, bytes.byteOffset + MAGIC.length + 4 * PROBE));
  if (stored.some((v, i) => v !== expected[i])) return undefined;
  const length = Number(bytes.readBigUInt64LE(MAGIC.length + 4 * PROBE));
  if (bytes.length !== head + length) return undefined;
  return bytes.subarray(head);
}

/**
 * Written at once, synchronously (about 5 ms for yolov5n): written asynchronously, the file waited
 * for event-loop turns that a starting trial's main thread, busy building its model and taking its
 * first step, did not give, and a trial process that ended early (bench:trial-startup ends it at the
 * first step) never wrote it. A failure costs nothing but the saving.
 */
function save(file: string, probeValues: Float32Array, weights: Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    sweepStale(dirname(file));
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(weights.length));
    writeFileSync(tmp, Buffer.concat([Buffer.from(MAGIC, 'latin1'), new Uint8Array(probeValues.buffer), length, weights]));
    renameSync(tmp, file); // atomic: a reader sees the old file, the new one or none
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // no folder to write in: nothing was left behind
    }
  }
}

/** A temporary file older than this was left by a process that died while writing it. */
const STALE_MS = 10 * 60_000;

function sweepStale(dir: string): void {
  const now = Date.now();
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.tmp')) continue;
    const tmp = join(dir, name);
    try {
      if (now - statSync(tmp).mtimeMs > STALE_MS) rmSync(tmp, { force: true });
    } catch {
      // gone already (another process swept it, or renamed it into place)
    }
  }
}

/**
 * Seeded initial weights kept on disk. Drawing yolov5n's 1.8 M initial values from the seeded
 * stream is the largest single cost of a trial's start-up (130-170 ms of about 0.5 s to its first
 * step), and every trial of a study draws the same ones: a seed gives the same weights in every
 * version (model.test.ts pins them). So the first trial on a machine saves them under the cache
 * directory (`yolov5<size>-nc<nc>-seed<seed>.bin`) and later ones load them (a few ms). A file that
 * is not whole, was saved from another layout, or whose stream probe (the first values the seed's
 * stream gives) differs is ignored and replaced; a cache that cannot be written costs nothing but
 * the saving. A temporary file that a process killed while writing left behind is removed by the
 * next save once it is 10 minutes old. The file is written asynchronously: a caller that reads it back at once waits for
 * {@link savedInitCache}.
 */
import { readFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
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
 * Writes the file beside the trial's start instead of before it: the bytes are taken now (training
 * changes the weights next), the write runs on libuv's threads, and its failure costs nothing.
 */
function save(file: string, probeValues: Float32Array, weights: Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(weights.length));
  const write = async () => {
    await mkdir(dirname(file), { recursive: true });
    await sweepStale(dirname(file));
    await writeFile(tmp, [Buffer.from(MAGIC, 'latin1'), new Uint8Array(probeValues.buffer), length, weights]);
    await rename(tmp, file); // atomic: a reader sees the old file, the new one or none
  };
  const done = write().catch(() => rm(tmp, { force: true }).catch(() => {}));
  pending.add(done);
  void done.finally(() => pending.delete(done));
}

const pending = new Set<Promise<unknown>>();

/** A temporary file older than this was left by a process that died while writing it. */
const STALE_MS = 10 * 60_000;

async function sweepStale(dir: string): Promise<void> {
  const now = Date.now();
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.tmp')) continue;
    const tmp = join(dir, name);
    const info = await stat(tmp).catch(() => undefined);
    if (info && now - info.mtimeMs > STALE_MS) await rm(tmp, { force: true }).catch(() => {});
  }
}

/** Resolves once every cache file this process started writing is written (or given up). */
export async function savedInitCache(): Promise<void> {
  await Promise.all([...pending]);
}

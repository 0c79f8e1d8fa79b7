/**
 * The checkpoint file (`last.bin`, `best.bin`): what YOLOv5 keeps in its .pt (epoch,
 * best_fitness, model, ema, updates, optimizer, opt) in one self-describing binary:
 *   8 bytes magic "HPOCKPT1" | uint32 LE header length | UTF-8 JSON header | blobs.
 * The header lists every blob's name, offset (from the blobs' start) and length, so readers
 * never guess. Model blobs are the model's own `serialize()` bytes.
 */
import type { OptimizerState } from './optimizer.ts';
import type { OptimizerName } from './params.ts';
import { HpoError } from '../../../core/index.ts';

const MAGIC = 'HPOCKPT1';

/** Everything a run needs to resume, or another run needs to start from these weights. */
export interface Checkpoint {
  /** Last finished epoch (0-based), or -1 for weights that were never trained here. */
  epoch: number;
  bestFitness: number;
  emaUpdates: number;
  /** Model config, so a loader can build the right network. */
  model: { size: string; nc: number; imgSize: number; names?: string[] };
  /** The trainer params of the run that wrote it (YOLOv5's `opt`). */
  params?: Record<string, unknown>;
  /** Training weights (`model.serialize()`). */
  weights: Uint8Array;
  /** EMA weights; what validation used and what a fine-tune should start from. */
  ema?: Uint8Array;
  /** Optimizer state; dropped from best.bin as YOLOv5's strip_optimizer does at the end. */
  optimizer?: OptimizerState;
  createdAt: string;
}

/** A weights/checkpoint file that cannot be read. */
export class CheckpointError extends HpoError {
  constructor(message: string) {
    super('CHECKPOINT_INVALID', message);
    this.name = 'CheckpointError';
  }
}

interface BlobEntry { name: string; offset: number; length: number }
interface Header extends Omit<Checkpoint, 'weights' | 'ema' | 'optimizer'> {
  optimizer?: { name: OptimizerName; step: number; slotLengths: number[] };
  blobs: BlobEntry[];
}

/** Serializes a checkpoint to bytes. */
export function encodeCheckpoint(ckpt: Checkpoint): Uint8Array {
  const blobs: { name: string; data: Uint8Array }[] = [{ name: 'weights', data: ckpt.weights }];
  if (ckpt.ema) blobs.push({ name: 'ema', data: ckpt.ema });
  if (ckpt.optimizer) {
    ckpt.optimizer.slots.forEach((s, i) => blobs.push({ name: `optimizer/${i}`, data: new Uint8Array(s.buffer, s.byteOffset, s.byteLength) }));
  }
  let offset = 0;
  const entries = blobs.map(({ name, data }) => {
    const entry = { name, offset, length: data.byteLength };
    offset += data.byteLength;
    return entry;
  });
  const { weights: _w, ema: _e, optimizer, ...rest } = ckpt;
  const header: Header = {
    ...rest,
    ...(optimizer ? { optimizer: { name: optimizer.name, step: optimizer.step, slotLengths: optimizer.slots.map((s) => s.length) } } : {}),
    blobs: entries,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(MAGIC.length + 4 + json.length + offset);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(MAGIC.length, json.length, true);
  out.set(json, MAGIC.length + 4);
  const base = MAGIC.length + 4 + json.length;
  blobs.forEach(({ data }, i) => out.set(data, base + entries[i].offset));
  return out;
}

/** True when `bytes` start with the checkpoint magic. */
export function isCheckpoint(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length + 4 && new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) === MAGIC;
}

/** Parses bytes written by encodeCheckpoint; `source` names the file or artifact in errors. */
export function decodeCheckpoint(bytes: Uint8Array, source: string): Checkpoint {
  if (!isCheckpoint(bytes)) {
    throw new CheckpointError(`${source} is not an hpo YOLOv5 checkpoint (no "${MAGIC}" header): pass a last.bin or best.bin written by the yolov5 trainer`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = view.getUint32(MAGIC.length, true);
  const base = MAGIC.length + 4 + jsonLength;
  if (base > bytes.length) throw new CheckpointError(`${source} is truncated: header says ${jsonLength} bytes, file has ${bytes.length}`);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, base))) as Header;
  } catch (error) {
    throw new CheckpointError(`${source} has a damaged header (${(error as Error).message}); it was probably cut short while being written`);
  }
  const blob = (name: string): Uint8Array | undefined => {
    const entry = header.blobs.find((b) => b.name === name);
    if (!entry) return undefined;
    if (base + entry.offset + entry.length > bytes.length) throw new CheckpointError(`${source} is truncated inside "${name}"`);
    // Copy: callers may keep it, and Float32Array needs an aligned buffer.
    return bytes.slice(base + entry.offset, base + entry.offset + entry.length);
  };
  const weights = blob('weights');
  if (!weights) throw new CheckpointError(`${source} holds no model weights`);
  const { blobs: _b, optimizer: optMeta, ...rest } = header;
  const ckpt: Checkpoint = { ...rest, weights, ema: blob('ema') };
  if (optMeta) {
    const slots = optMeta.slotLengths.map((n, i) => {
      const raw = blob(`optimizer/${i}`);
      if (!raw || raw.byteLength !== n * 4) throw new CheckpointError(`${source}: optimizer buffer ${i} is missing or has the wrong size`);
      return new Float32Array(raw.buffer, raw.byteOffset, n);
    });
    ckpt.optimizer = { name: optMeta.name, step: optMeta.step, slots };
  }
  return ckpt;
}

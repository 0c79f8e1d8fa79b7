/**
 * Model weights as bytes: "HPOYOLO1", a little-endian u32 header length, a JSON header
 * ({ size, nc, anchors, tensors: [{ name, shape, offset }] }, offsets in float32 elements),
 * zero padding to a 4-byte boundary, then the float32 data. Names are PyTorch state_dict names;
 * conv weights are stored in TF.js layout [KH, KW, Ci, Co].
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedVariable } from './params.ts';

const MAGIC = 'HPOYOLO1';

/** What identifies a model's shape, checked on load. */
export interface WeightsMeta { size: string; nc: number; anchors: number[][][] }

interface Header extends WeightsMeta { tensors: { name: string; shape: number[]; offset: number }[] }

/** Packs the variables (all groups, running stats included) and `meta` into bytes. */
export function packWeights(vars: NamedVariable[], meta: WeightsMeta): Uint8Array {
  let offset = 0;
  const tensors = vars.map((v) => {
    const entry = { name: v.name, shape: v.variable.shape, offset };
    offset += v.variable.size;
    return entry;
  });
  const header = new TextEncoder().encode(JSON.stringify({ ...meta, tensors } satisfies Header));
  const dataStart = Math.ceil((MAGIC.length + 4 + header.length) / 4) * 4;
  const bytes = new Uint8Array(dataStart + offset * 4);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(bytes.buffer).setUint32(MAGIC.length, header.length, true);
  bytes.set(header, MAGIC.length + 4);
  const data = new Float32Array(bytes.buffer, dataStart, offset);
  vars.forEach((v, i) => data.set(v.variable.dataSync() as Float32Array, tensors[i].offset));
  return bytes;
}

/**
 * Assigns packed weights to `vars`. Throws, naming what differs, when the bytes are not ours,
 * were saved from another model size, class count or anchors, or lack/mismatch a tensor.
 */
export function unpackWeights(bytes: Uint8Array, vars: NamedVariable[], meta: WeightsMeta): void {
  const magic = new TextDecoder().decode(bytes.subarray(0, MAGIC.length));
  if (magic !== MAGIC) throw new Error(`model weights: not an hpo YOLOv5 weights file (starts with ${JSON.stringify(magic)}, expected ${MAGIC})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getUint32(MAGIC.length, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, MAGIC.length + 4 + headerLen))) as Header;
  for (const key of ['size', 'nc', 'anchors'] as const) {
    if (JSON.stringify(header[key]) !== JSON.stringify(meta[key])) {
      throw new Error(`model weights: saved with ${key} ${JSON.stringify(header[key])}, this model has ${JSON.stringify(meta[key])}; create the model with the same ${key}`);
    }
  }
  const dataStart = Math.ceil((MAGIC.length + 4 + headerLen) / 4) * 4;
  const byName = new Map(header.tensors.map((t) => [t.name, t]));
  // Copied into an aligned buffer: the caller's bytes may start at any offset. Through a plain
  // Uint8Array: a Buffer's slice() is a view of the same memory, not a copy.
  const data = new Float32Array(new Uint8Array(bytes.buffer, bytes.byteOffset + dataStart, bytes.byteLength - dataStart).slice().buffer);
  tf.tidy(() => {
    for (const v of vars) {
      const t = byName.get(v.name);
      if (t == null) throw new Error(`model weights: tensor '${v.name}' is missing from the file`);
      if (JSON.stringify(t.shape) !== JSON.stringify(v.variable.shape)) {
        throw new Error(`model weights: '${v.name}' has shape [${t.shape}] in the file, the model expects [${v.variable.shape}]`);
      }
      v.variable.assign(tf.tensor(data.subarray(t.offset, t.offset + v.variable.size), v.variable.shape));
    }
  });
}

/**
 * Reused per-image input arrays ([3, S, S] floats, 196 KB at 128 px, 4.9 MB at 640 px). A new
 * one per request is memory outside V8's heap that V8 answers with full garbage collections
 * ("external memory pressure": every few hundred requests under load, several ms each);
 * preprocessing takes arrays from here and the batcher gives them back once it has copied them
 * into a batch. Bounded by bytes, so a burst leaves at most POOL_BYTES behind. Only arrays made
 * here are taken back, each once, so a caller's own array is never handed to someone else.
 */

const POOL_BYTES = 64 * 1024 * 1024;
const free = new Map<number, Float32Array[]>();
let pooledBytes = 0;
const made = new WeakSet<Float32Array>();
const pooled = new WeakSet<Float32Array>();

/** An array of `length` floats with stale contents: the caller overwrites every value. */
export function takePixels(length: number): Float32Array {
  const list = free.get(length);
  const reused = list?.pop();
  if (!reused) {
    const fresh = new Float32Array(length);
    made.add(fresh);
    return fresh;
  }
  pooled.delete(reused);
  pooledBytes -= reused.byteLength;
  return reused;
}

/** Gives `pixels` (from takePixels) back for reuse; the caller must not touch it afterwards. */
export function givePixels(pixels: Float32Array): void {
  if (!made.has(pixels) || pooled.has(pixels) || pooledBytes + pixels.byteLength > POOL_BYTES) return;
  pooled.add(pixels);
  let list = free.get(pixels.length);
  if (!list) free.set(pixels.length, (list = []));
  list.push(pixels);
  pooledBytes += pixels.byteLength;
}

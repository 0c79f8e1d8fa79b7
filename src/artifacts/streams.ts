import { createHash, type Hash } from 'node:crypto';

/** Counts and hashes bytes as they pass through, so a put knows its sha256 without a second read. */
export class Tally {
  private readonly hash: Hash = createHash('sha256');
  size = 0;

  /** Yields `source` unchanged while counting and hashing it. */
  async *through(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      this.hash.update(bytes);
      this.size += bytes.byteLength;
      yield bytes;
    }
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

/** Any ArtifactBody as an async iterable of bytes. */
export function toIterable(body: AsyncIterable<Uint8Array> | Uint8Array | string): AsyncIterable<Uint8Array> {
  if (typeof body === 'string') return once(Buffer.from(body));
  if (body instanceof Uint8Array) return once(body);
  return body;
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/**
 * Regroups a byte stream into chunks of exactly `size` bytes (the last one shorter). With
 * `reuse`, every chunk is the same buffer refilled: only for a consumer that is done with a
 * chunk before it asks for the next (it keeps the garbage, and so the RSS, of a long upload flat).
 */
export async function* rechunk(source: AsyncIterable<Uint8Array>, size: number, reuse = false): AsyncGenerator<Buffer> {
  let buffer = Buffer.allocUnsafe(size);
  let filled = 0;
  for await (const chunk of source) {
    let offset = 0;
    while (offset < chunk.byteLength) {
      const n = Math.min(size - filled, chunk.byteLength - offset);
      buffer.set(chunk.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (filled === size) {
        yield buffer;
        if (!reuse) buffer = Buffer.allocUnsafe(size);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield buffer.subarray(0, filled);
}

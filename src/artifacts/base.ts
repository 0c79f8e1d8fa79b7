import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ArtifactHashMismatchError, ArtifactNotFoundError } from './errors.ts';
import { Tally } from './streams.ts';
import type { ArtifactBody, ArtifactInfo, ArtifactListing, ArtifactStore, PutOptions } from './types.ts';

/** The file-shaped half of ArtifactStore, written once over each backend's streams. */
export abstract class ArtifactStoreBase implements ArtifactStore {
  abstract readonly spec: string;
  abstract put(key: string, body: ArtifactBody, options?: PutOptions): Promise<ArtifactInfo>;
  abstract get(key: string): Promise<Readable>;
  abstract head(key: string): Promise<ArtifactInfo | undefined>;
  abstract list(prefix?: string): Promise<ArtifactListing[]>;
  abstract delete(key: string): Promise<boolean>;
  abstract sweepUploads(olderThanMs: number): Promise<number>;
  abstract describe(key: string): string;
  abstract close(): Promise<void>;

  async putFile(key: string, path: string, options?: PutOptions): Promise<ArtifactInfo> {
    return this.put(key, createReadStream(path, { highWaterMark: 1024 * 1024 }), options);
  }

  async getFile(key: string, path: string): Promise<ArtifactInfo> {
    const info = await this.head(key);
    if (!info) throw new ArtifactNotFoundError(key, this.spec);
    await mkdir(dirname(path), { recursive: true });
    // Beside the target, so the final rename stays on one file system.
    const tmp = join(dirname(path), `.hpo-get-${randomUUID()}.tmp`);
    const tally = new Tally();
    try {
      const source = await this.get(key);
      await pipeline(source, (s: AsyncIterable<Uint8Array>) => tally.through(s), createWriteStream(tmp));
      const sha256 = tally.digest();
      if (sha256 !== info.sha256) throw new ArtifactHashMismatchError(key, info.sha256, sha256, 'Downloaded artifact');
      await rename(tmp, path);
      return info;
    } finally {
      await rm(tmp, { force: true });
    }
  }
}

/** Reads a whole artifact into memory: only for small ones (checkpoint decoding, manifests). */
export async function readArtifactBytes(store: ArtifactStore, key: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of await store.get(key)) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

import type { Readable } from 'node:stream';

/** What `put` accepts: a stream (any async iterable of bytes), bytes, or text (UTF-8). */
export type ArtifactBody = AsyncIterable<Uint8Array> | Uint8Array | string;

/** One stored artifact: where it is, how big, and the sha256 of its bytes (lowercase hex). */
export interface ArtifactInfo {
  key: string;
  size: number;
  sha256: string;
  /** Epoch milliseconds the current bytes were committed. */
  createdAt: number;
}

/** A `list` row (sizes and keys only: S3 listings carry no checksum; `head` has it). */
export interface ArtifactListing {
  key: string;
  size: number;
  createdAt: number;
}

export interface PutOptions {
  /** The sha256 the bytes must have; on a mismatch nothing is committed (ArtifactHashMismatchError). */
  sha256?: string;
}

/**
 * A blob store for checkpoints, plots and dataset files, separate from the (metadata-only) task
 * store. Keys are `/`-separated paths of [A-Za-z0-9._-] segments. Every call streams: no
 * backend holds a whole artifact in memory. A `put` commits atomically: readers see the old
 * bytes or the new ones, never a part, and a writer killed mid-upload leaves nothing under the
 * key (only a temporary upload that `sweepUploads` removes). Safe across processes and machines.
 */
export interface ArtifactStore {
  /** What opens this store again on another machine (`file:///x`, `s3://b/p`, `redis://h:p/0?prefix=..`), no secrets. */
  readonly spec: string;
  put(key: string, body: ArtifactBody, options?: PutOptions): Promise<ArtifactInfo>;
  putFile(key: string, path: string, options?: PutOptions): Promise<ArtifactInfo>;
  /** A stream of the bytes; throws ArtifactNotFoundError. */
  get(key: string): Promise<Readable>;
  /** Writes the artifact to `path` (atomically, sha256 verified); throws ArtifactNotFoundError / ArtifactHashMismatchError. */
  getFile(key: string, path: string): Promise<ArtifactInfo>;
  head(key: string): Promise<ArtifactInfo | undefined>;
  /** Every artifact whose key starts with `prefix`, sorted by key. */
  list(prefix?: string): Promise<ArtifactListing[]>;
  /** True when something was deleted. */
  delete(key: string): Promise<boolean>;
  /** Removes temporary uploads older than `olderThanMs` (left by killed writers); returns how many. */
  sweepUploads(olderThanMs: number): Promise<number>;
  /** A human-readable location of `key` for messages and task records. */
  describe(key: string): string;
  close(): Promise<void>;
}

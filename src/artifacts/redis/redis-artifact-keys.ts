/**
 * Every Redis key of the Redis artifact backend, built here and nowhere else. All live under one
 * prefix (default `hpo:artifacts:`), so the task store's keys and several stores share a Redis.
 */
export interface ArtifactKeys {
  /** Hash `{ upload, size, sha256, createdAt, chunks }`: the committed version of `key`. */
  meta(key: string): string;
  /** List of the chunks of one upload (binary strings, in order). */
  chunks(upload: string): string;
  /** Sorted set (all scores 0) of every committed key, for listing by prefix. */
  index(): string;
  /** Glob of every chunk list (for sweeping uploads that never committed). */
  chunksPattern(): string;
}

export function artifactKeys(prefix: string): ArtifactKeys {
  return {
    meta: (key) => `${prefix}meta:${key}`,
    chunks: (upload) => `${prefix}chunks:${upload}`,
    index: () => `${prefix}index`,
    chunksPattern: () => `${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}chunks:*`,
  };
}

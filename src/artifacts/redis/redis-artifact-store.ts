import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Redis } from 'ioredis';
import { connectRedis } from '../../store/redis/connection.ts';
import { redisLog } from '../../store/redis/outage.ts';
import { redactUrl } from '../../store/url.ts';
import { ArtifactStoreBase } from '../base.ts';
import { ArtifactHashMismatchError, ArtifactNotFoundError, ArtifactSpecError } from '../errors.ts';
import { assertArtifactKey, assertKeyPrefix } from '../key.ts';
import { Tally, rechunk, toIterable } from '../streams.ts';
import type { ArtifactBody, ArtifactInfo, ArtifactListing, PutOptions } from '../types.ts';
import { artifactKeys, type ArtifactKeys } from './redis-artifact-keys.ts';

export interface RedisArtifactStoreOptions {
  /**
   * Bytes per Redis value. Default 48 KiB: a reply that fits in one socket read is handed over
   * as a slice of it, while a larger one is copied into ioredis' parser pool, which grows with
   * the artifact (a 200 MiB read then grows the RSS by more than 64 MiB; at 48 KiB by about 30).
   */
  chunkBytes?: number;
  /** One warning when an artifact grows past this (default 256 MiB): Redis holds it in RAM. */
  warnBytes?: number;
  /** Where that warning goes. Default: the Redis log (stderr, in the CLI's log format). */
  onWarning?: (message: string) => void;
}

/** An uncommitted upload's chunks vanish this long after their last write (a killed writer). */
const UPLOAD_TTL_MS = 60 * 60 * 1000;
/**
 * Chunks asked for at once while reading. One: back-to-back replies straddle socket reads, and
 * ioredis' parser copies every straddling reply into its pool (8 at once grew a 200 MiB read's
 * RSS by 60-72 MiB; one at a time by 26-40, and reads ran faster: 174 MB/s against 99).
 */
const READ_AHEAD = 1;
/** A replaced version's chunks stay this long, so a reader already streaming them can finish. */
const REPLACED_TTL_MS = 5 * 60 * 1000;

// Commit: point the key at the new upload, keep its chunks, let the old ones expire.
const COMMIT = `
local old = redis.call('HGET', KEYS[1], 'upload')
redis.call('HSET', KEYS[1], 'upload', ARGV[1], 'size', ARGV[2], 'sha256', ARGV[3], 'createdAt', ARGV[4], 'chunks', ARGV[5])
redis.call('PERSIST', KEYS[2])
redis.call('ZADD', KEYS[3], 0, ARGV[6])
if old and old ~= ARGV[1] then redis.call('PEXPIRE', ARGV[7] .. old, ARGV[8]) end
return 1`;
const REMOVE = `
local old = redis.call('HGET', KEYS[1], 'upload')
redis.call('ZREM', KEYS[2], ARGV[1])
if not old then return 0 end
redis.call('DEL', KEYS[1])
redis.call('PEXPIRE', ARGV[2] .. old, ARGV[3])
return 1`;

type ScriptedRedis = Redis & {
  artifactCommit(meta: string, chunks: string, index: string, ...args: (string | number)[]): Promise<number>;
  artifactRemove(meta: string, index: string, ...args: (string | number)[]): Promise<number>;
};

/**
 * Artifacts in Redis, so agents need nothing but the Redis they already use: each upload is a
 * list of 48 KiB chunks written one at a time (back-pressure: never more than a chunk in
 * memory), committed by one script that points the key's hash at it. No size cap; one warning
 * per store above `warnBytes`. A killed writer's chunks expire on their own.
 */
export class RedisArtifactStore extends ArtifactStoreBase {
  readonly spec: string;
  private readonly keys: ArtifactKeys;
  private readonly chunkPrefix: string;
  private readonly chunkBytes: number;
  private readonly warnBytes: number;
  private readonly onWarning: (message: string) => void;
  private warned = false;

  constructor(private readonly redis: ScriptedRedis, spec: string, prefix: string, options: RedisArtifactStoreOptions = {}) {
    super();
    this.spec = spec;
    this.keys = artifactKeys(prefix);
    this.chunkPrefix = this.keys.chunks('');
    this.chunkBytes = options.chunkBytes ?? 48 * 1024;
    this.warnBytes = options.warnBytes ?? 256 * 1024 * 1024;
    this.onWarning = options.onWarning ?? redisLog;
    redis.defineCommand('artifactCommit', { numberOfKeys: 3, lua: COMMIT });
    redis.defineCommand('artifactRemove', { numberOfKeys: 2, lua: REMOVE });
  }

  async put(key: string, body: ArtifactBody, options: PutOptions = {}): Promise<ArtifactInfo> {
    assertArtifactKey(key);
    const upload = randomUUID();
    const list = this.keys.chunks(upload);
    const tally = new Tally();
    let chunks = 0;
    try {
      // Each chunk is written (the reply awaited) before the next is filled, so one buffer serves all.
      for await (const chunk of rechunk(tally.through(toIterable(body)), this.chunkBytes, true)) {
        await this.redis.rpush(list, chunk);
        // The TTL survives RPUSH; refreshing it now and then keeps a slow upload alive.
        if (chunks % 64 === 0) await this.redis.pexpire(list, UPLOAD_TTL_MS);
        chunks++;
        if (!this.warned && tally.size > this.warnBytes) {
          this.warned = true;
          this.onWarning(
            `artifact "${key}" is over ${Math.round(this.warnBytes / 2 ** 20)} MiB and is stored in Redis memory (${this.spec}); ` +
              'for large checkpoints and datasets use a shared folder (--artifacts file:///mnt/shared/hpo) or S3 (--artifacts s3://bucket/prefix).',
          );
        }
      }
      const sha256 = tally.digest();
      if (options.sha256 !== undefined && options.sha256 !== sha256) throw new ArtifactHashMismatchError(key, options.sha256, sha256, 'Upload of');
      const createdAt = Date.now();
      await this.redis.artifactCommit(this.keys.meta(key), list, this.keys.index(), upload, tally.size, sha256, createdAt, chunks, key, this.chunkPrefix, REPLACED_TTL_MS);
      return { key, size: tally.size, sha256, createdAt };
    } catch (error) {
      await this.redis.del(list).catch(() => {});
      throw error;
    }
  }

  async get(key: string): Promise<Readable> {
    assertArtifactKey(key);
    const meta = await this.redis.hgetall(this.keys.meta(key));
    if (!meta.upload) throw new ArtifactNotFoundError(key, this.spec);
    const list = this.keys.chunks(meta.upload);
    const count = Number(meta.chunks);
    const redis = this.redis;
    const spec = this.spec;
    return Readable.from(
      (async function* () {
        // One-chunk replies, never one big one: ioredis' parser copies a reply larger than a
        // socket read into a pool that only grows.
        for (let i = 0; i < count; i += READ_AHEAD) {
          const batch = Array.from({ length: Math.min(READ_AHEAD, count - i) }, (_, j) => redis.lindexBuffer(list, i + j));
          for (const pending of batch) {
            const chunk = await pending;
            if (!chunk) throw new ArtifactNotFoundError(key, `${spec} (it was replaced or deleted while being read)`);
            yield chunk;
          }
        }
      })(),
      { objectMode: false },
    );
  }

  async head(key: string): Promise<ArtifactInfo | undefined> {
    assertArtifactKey(key);
    const meta = await this.redis.hgetall(this.keys.meta(key));
    if (!meta.upload) return undefined;
    return { key, size: Number(meta.size), sha256: meta.sha256, createdAt: Number(meta.createdAt) };
  }

  async list(prefix = ''): Promise<ArtifactListing[]> {
    assertKeyPrefix(prefix);
    const keys = await this.redis.zrangebylex(this.keys.index(), `[${prefix}`, `[${prefix}\xff`);
    const pipe = this.redis.pipeline();
    for (const k of keys) pipe.hmget(this.keys.meta(k), 'size', 'createdAt');
    const rows = (await pipe.exec()) ?? [];
    return keys.flatMap((k, i) => {
      const [size, createdAt] = (rows[i]?.[1] ?? []) as (string | null)[];
      return size === null || size === undefined ? [] : [{ key: k, size: Number(size), createdAt: Number(createdAt) }];
    });
  }

  async delete(key: string): Promise<boolean> {
    assertArtifactKey(key);
    return (await this.redis.artifactRemove(this.keys.meta(key), this.keys.index(), key, this.chunkPrefix, REPLACED_TTL_MS)) === 1;
  }

  async sweepUploads(olderThanMs: number): Promise<number> {
    // Uncommitted uploads are the chunk lists that still carry their upload TTL.
    let removed = 0;
    let cursor = '0';
    do {
      const [next, found] = await this.redis.scan(cursor, 'MATCH', this.keys.chunksPattern(), 'COUNT', 500);
      cursor = next;
      for (const list of found) {
        const ttl = await this.redis.pttl(list);
        if (ttl > 0 && ttl > REPLACED_TTL_MS && UPLOAD_TTL_MS - ttl >= olderThanMs) {
          await this.redis.del(list);
          removed++;
        }
      }
    } while (cursor !== '0');
    return removed;
  }

  describe(key: string): string {
    return `${this.spec}#${key}`;
  }

  async close(): Promise<void> {
    if (this.redis.status === 'end') return;
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}

/**
 * Opens `redis://[:password@]host:port[/db][?prefix=P&warnBytes=N]` (rediss:// for TLS); the
 * prefix defaults to `<HPO_REDIS_PREFIX or hpo:>artifacts:`. The connection is the task
 * store's kind (src/store/redis/connection.ts): it fails fast naming the URL when Redis does
 * not answer, reports an outage once, and reconnects. The spec it records drops the password.
 */
export async function openRedisArtifactStore(spec: string, options: RedisArtifactStoreOptions & { env?: Record<string, string | undefined> } = {}): Promise<RedisArtifactStore> {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new ArtifactSpecError(redactUrl(spec), 'it is not a URL (a password holding "/", "?", "#", "@" or ":" must be percent-encoded)');
  }
  const env = options.env ?? process.env;
  const prefix = url.searchParams.get('prefix') ?? `${env.HPO_REDIS_PREFIX ?? 'hpo:'}artifacts:`;
  if (!/^[A-Za-z0-9:_.{}-]{1,64}$/.test(prefix)) throw new ArtifactSpecError(redactUrl(spec), `prefix must be 1-64 characters of [A-Za-z0-9:_.{}-], got ${JSON.stringify(prefix)}`);
  const warn = url.searchParams.get('warnBytes');
  if (warn !== null && !(Number(warn) > 0)) throw new ArtifactSpecError(redactUrl(spec), `warnBytes must be a number of bytes > 0, got "${warn}"`);
  for (const name of url.searchParams.keys()) {
    if (name !== 'prefix' && name !== 'warnBytes') throw new ArtifactSpecError(redactUrl(spec), `unknown option "${name}" (known: prefix, warnBytes)`);
  }
  const connectUrl = new URL(url.href);
  connectUrl.search = '';
  const redis = (await connectRedis(connectUrl.href, { flags: '--artifacts / HPO_ARTIFACTS' })) as ScriptedRedis;
  const publicUrl = new URL(connectUrl.href);
  publicUrl.password = '';
  publicUrl.searchParams.set('prefix', prefix);
  return new RedisArtifactStore(redis, publicUrl.href, prefix, { ...options, warnBytes: warn !== null ? Number(warn) : options.warnBytes });
}

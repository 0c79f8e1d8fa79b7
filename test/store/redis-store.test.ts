import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../setup/redis.ts';
import { runTaskStoreConformance } from '../conformance/task-store.ts';
import { openRedisStore, storeKeys, type RedisTaskStore } from '../../src/store/redis/index.ts';
import { countKeys, deleteKeys } from '../exec/queue/redis-keys-cleanup.ts';
import { OwnRedis } from '../exec/queue/redis-server.ts';
import { settlesWithin } from '../../src/core/index.ts';
import { setRedisLog } from '../../src/store/redis/outage.ts';

const url = (): string => {
  const value = process.env.REDIS_URL;
  if (!value) throw new Error('REDIS_URL is not set: the global test setup (test/setup/redis.ts) must run first.');
  return value;
};

runTaskStoreConformance('redis', async ({ clock }) => {
  const prefix = `hpo-test-${randomUUID()}:`;
  const store = await openRedisStore(url(), { prefix, clock });
  return {
    store,
    cleanup: async () => {
      await deleteKeys(url(), storeKeys(prefix).pattern());
    },
  };
});

describe('Redis store specifics', () => {
  const prefixes: string[] = [];
  const open = async (options: { prefix?: string } = {}): Promise<RedisTaskStore> => {
    const prefix = options.prefix ?? `hpo-test-${randomUUID()}:`;
    prefixes.push(prefix);
    return openRedisStore(url(), { ...options, prefix });
  };
  afterAll(async () => {
    for (const prefix of prefixes) await deleteKeys(url(), storeKeys(prefix).pattern());
  });

  it('fails fast with an error naming the URL, without its password, when nothing answers', async () => {
    const port = await freePort();
    const target = `redis://:s3cret-pw@127.0.0.1:${port}/0`;
    const error = await openRedisStore(target, { connectTimeoutMs: 1000 }).then(
      () => undefined,
      (e: unknown) => e as Error & { code: string },
    );
    expect(error).toMatchObject({ code: 'REDIS_UNAVAILABLE', name: 'RedisUnavailableError' });
    expect(error!.message).toContain(`redis://:***@127.0.0.1:${port}/0`);
    expect(error!.message).toContain('ECONNREFUSED');
    expect(error!.message).not.toContain('s3cret-pw');
  });

  it('refuses a URL that is not redis:// or rediss:// with a config error', async () => {
    await expect(openRedisStore('http://127.0.0.1:6379')).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('redis:// or rediss://') });
    await expect(openRedisStore('not a url')).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('refuses a prefix with spaces or glob characters', async () => {
    await expect(open({ prefix: 'bad prefix*' })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('"bad prefix*"') });
  });

  it('keeps every key under its prefix and leaves other prefixes alone', async () => {
    const a = await open();
    const b = await open();
    const task = await a.create({ name: 't', project: 'p: with colon', type: 'training', trainer: { type: 'function' }, params: {}, parent: 'ctrl01' });
    await a.appendScalars(task.id, 0, { x: 1 });
    await a.appendLog(task.id, 'hi');
    await a.recordArtifact(task.id, { name: 'w.bin', size: 1, sha256: 'a'.repeat(64), store: 'redis://x', key: `tasks/${task.id}/w.bin`, location: 'redis://x', createdAt: 0 });
    expect(await countKeys(url(), storeKeys(a.prefix).pattern())).toBe(7); // marker, task, all, project, children, scalars, log: artifact bytes live in the artifact store
    expect(await b.list()).toEqual([]);
    await expect(b.get(task.id)).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' });
    expect((await a.list({ project: 'p: with colon' })).map((t) => t.id)).toEqual([task.id]);
    await a.close();
    await b.close();
  });

  it('compare-and-set has one winner across separate connections (as across machines)', async () => {
    const prefix = `hpo-test-${randomUUID()}:`;
    const stores = await Promise.all(Array.from({ length: 4 }, () => open({ prefix })));
    const task = await stores[0].create({ name: 't', project: 'p', type: 'training', trainer: { type: 'function' }, params: {}, status: 'queued' });
    const claims = await Promise.allSettled(stores.flatMap((s) => [s, s].map((x) => x.setStatus(task.id, 'running', { expect: ['queued'] }))));
    expect(claims.filter((c) => c.status === 'fulfilled')).toHaveLength(1);
    // Concurrent heartbeats and a stop request from different connections are all kept.
    await Promise.all([...stores.map((s, i) => s.update(task.id, { heartbeatAt: 1000 + i })), stores[3].requestStop(task.id, 'pruned')]);
    const final = await stores[1].get(task.id);
    expect(final.status).toBe('running');
    expect(final.stopRequest?.reason).toBe('pruned');
    expect(final.heartbeatAt).toBeGreaterThanOrEqual(1000);
    for (const s of stores) await s.close();
  });

  it('a task missing after the store lost its keys is named a wipe; a wrong id stays a wrong id', async () => {
    const store = await open();
    const task = await store.create({ name: 't', project: 'p', type: 'training', trainer: { type: 'function' }, params: {} });
    await expect(store.get('nosuchtask')).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' });
    await deleteKeys(url(), storeKeys(store.prefix).pattern()); // as FLUSHALL, or a restart without persistence
    for (const call of [() => store.get(task.id), () => store.update(task.id, { heartbeatAt: 1 }), () => store.appendScalars(task.id, 0, { loss: 1 })]) {
      await expect(call()).rejects.toMatchObject({ code: 'STORE_WIPED', message: expect.stringContaining('lost its data while this command ran') });
    }
    await store.close();
  });

  it('a command that outlives the reconnection attempts fails with one typed error naming the URL, and close does not wait', async () => {
    const redis = await OwnRedis.start();
    setRedisLog(() => {});
    try {
      // No retries: the first failed reconnection gives up (the CLI's store waits about 20 s).
      const store = await openRedisStore(redis.url, { maxRetriesPerRequest: 0 });
      const task = await store.create({ name: 't', project: 'p', type: 'training', trainer: { type: 'function' }, params: {} });
      await redis.stop();
      const error = await store.get(task.id).then(() => undefined, (e: unknown) => e as Error & { code: string; userFacing: boolean });
      expect(error).toMatchObject({ code: 'REDIS_OUTAGE', name: 'RedisOutageError', userFacing: true });
      expect(error!.message).toContain(`Redis at ${redis.url} stopped answering`);
      expect(await settlesWithin(store.close(), 10_000)).toBe(true);
    } finally {
      await redis.stop();
    }
  });
});

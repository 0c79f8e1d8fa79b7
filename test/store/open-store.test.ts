import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FileTaskStore } from '../../src/store/file-store.ts';
import { openStore } from '../../src/store/open-store.ts';
import { tempDir } from './helpers.ts';

describe('openStore', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = tempDir('hpo-open-');
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('defaults to $HPO_HOME, else <cwd>/.hpo', async () => {
    const cwd = dir();
    const fromCwd = await openStore(undefined, { cwd, env: {} });
    expect(fromCwd).toBeInstanceOf(FileTaskStore);
    expect((fromCwd as FileTaskStore).root).toBe(join(cwd, '.hpo'));
    const home = join(dir(), 'home');
    const fromEnv = await openStore(undefined, { cwd, env: { HPO_HOME: home } });
    expect((fromEnv as FileTaskStore).root).toBe(home);
  });

  it('opens a relative path, an absolute path and a file:// URL as a file store that works', async () => {
    const cwd = dir();
    expect(((await openStore('runs/store', { cwd, env: {} })) as FileTaskStore).root).toBe(join(cwd, 'runs/store'));
    const url = pathToFileURL(join(cwd, 'u')).href;
    expect(((await openStore(url, { cwd })) as FileTaskStore).root).toBe(join(cwd, 'u'));
    const store = await openStore(join(cwd, 'abs'), { cwd });
    const task = await store.create({ name: 'n', project: 'p', type: 'training', trainer: { type: 'command' }, params: {} });
    await expect((await openStore(join(cwd, 'abs'))).get(task.id)).resolves.toEqual(task);
  });

  it('opens the Redis store for redis:// and names the URL without its password when Redis is down', async () => {
    const store = await openStore(process.env.REDIS_URL!, { env: { HPO_REDIS_PREFIX: `hpo-test-${process.pid}-${Date.now()}:` } });
    expect(store.location).toContain('redis://');
    await store.close();
    const error = await openStore('redis://user:secret@127.0.0.1:1/0').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'REDIS_UNAVAILABLE' });
    expect((error as Error).message).toContain('redis://user:***@127.0.0.1:1/0');
    expect((error as Error).message).not.toContain('secret');
  });

  it('refuses unknown schemes and empty specs, naming the value', async () => {
    await expect(openStore('s3://bucket/x')).rejects.toThrow(/Unknown store "s3:\/\/bucket\/x".*"s3:\/\/"/);
    await expect(openStore('  ')).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});

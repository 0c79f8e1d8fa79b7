import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteKeys } from '../exec/queue/redis-keys-cleanup.ts';
import { tempDir } from '../helpers/temp.ts';
import { errorLines, hpo } from './helpers.ts';

const REDIS = process.env.REDIS_URL!;

/**
 * Finding: with the Redis store, a CLI error printed its message and never exited (the open
 * connection kept the process alive). Each command here must exit 1 soon after its error line.
 */
describe('Redis-store CLI errors exit with code 1', { timeout: 300_000 }, () => {
  const prefix = `hpo-test-${randomUUID()}:`;
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await tempDir()));
  afterAll(async () => {
    await deleteKeys(REDIS, `${prefix}*`);
    await cleanup();
  });

  const commands = [['tasks', 'show', 'missing01'], ['stop', 'missing01'], ['top', 'missing01'], ['train', 'missing01'], ['run', '--resume', 'missing01']];
  for (const args of commands) {
    it(`hpo ${args.join(' ')}`, async () => {
      const run = await hpo(['--store', REDIS, ...args], { cwd: dir, env: { ...process.env, HPO_REDIS_PREFIX: prefix }, timeoutMs: 90_000 });
      expect(run.code, run.stderr).toBe(1);
      expect(errorLines(run.stderr)).toEqual([expect.stringContaining('Task "missing01" not found')]);
      // Generous: a hang shows as a minute or forever.
      expect(run.errorToExitMs).toBeLessThan(5_000);
    });
  }

  it('a password holding an unencoded "/" is never printed, and the message says how to encode it', async () => {
    const run = await hpo(['--store', 'redis://:s3cr/et-pw@127.0.0.1:6379', 'tasks', 'list'], { cwd: dir, timeoutMs: 90_000 });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).not.toContain('s3cr');
    expect(run.stderr).not.toContain('et-pw');
    expect(errorLines(run.stderr)).toEqual([expect.stringContaining('Invalid Redis URL "redis://***@127.0.0.1:6379"')]);
    expect(run.stderr).toContain('%2F');
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskStore } from '../../src/core/index.ts';
import { openStore } from '../../src/store/index.ts';
import { OwnRedis } from '../exec/queue/redis-server.ts';
import { tempDir, writeConfig, writeTemplate } from '../helpers/temp.ts';
import { errorLines, finish, hpo, start, until } from './helpers.ts';

/**
 * Findings: a Redis restarted without persistence wiped the store and the controller printed
 * `Task <id> not found` and hung; an outage printed about 22 raw `connect ECONNREFUSED` dumps.
 * Each test runs its own redis-server (no persistence) on a free port: the shared one is never touched.
 */
describe('a Redis store whose Redis restarts under a running study', { timeout: 300_000 }, () => {
  let redis: OwnRedis;
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: TaskStore;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    redis = await OwnRedis.start();
    ({ dir, cleanup } = await tempDir());
    env = { ...process.env, HPO_REDIS_PREFIX: 'hpo:', REDIS_URL: redis.url };
    store = await openStore(redis.url, { env: {} });
    // Slow trials (60 epochs of 200 ms) so the restart lands mid-study.
    await writeTemplate(dir, { trainer: { epochMs: 200 }, params: { 'args/epochs': 60 } });
    await writeConfig(dir, { space: { 'hyp/lr0': { type: 'float', low: 1e-4, high: 0.1, log: true } }, budget: { maxTrials: 3, concurrency: 1 } });
  });
  afterEach(async () => {
    await store.close();
    await redis.stop();
    await cleanup();
  });

  const startStudy = async () => {
    const template = (await hpo(['--store', redis.url, 'train', 'template.ts'], { cwd: dir, env })).stdout.trim();
    expect(template).toMatch(/^[A-Za-z0-9_-]+$/);
    const study = start(['--store', redis.url, 'run', '--template', template], { cwd: dir, env });
    let seen = '';
    study.stderr!.on('data', (d: Buffer) => (seen += d));
    const done = finish(study, 240_000, ['run']);
    // The study's own progress line says a trial is running (no extra Redis traffic to wait on).
    await until('a trial to report', () => /trial 0 \S+ epoch 1:/.test(seen));
    return done;
  };

  it('without persistence: a warning at start, then a clear error and exit 1 when the store is wiped', async () => {
    const done = await startStudy();
    await redis.restart(1_000, { save: false });
    const run = await done;
    expect(run.code, run.stderr).toBe(1);
    expect(errorLines(run.stderr)).toEqual([expect.stringContaining('lost its data while this command ran')]);
    expect(run.stderr.match(/keeps no persistence/g)).toHaveLength(1);
    expect(run.stderr).not.toContain('internal error');
  });

  it('an outage prints one line when it starts and one when it ends, and the study completes', async () => {
    const done = await startStudy();
    await redis.restart(8_000, { save: true });
    const run = await done;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr.match(/Redis unreachable at redis:\/\/127\.0\.0\.1:\d+, retrying/g), run.stderr).toHaveLength(1);
    expect(run.stderr.match(/Redis reachable again at redis:\/\/127\.0\.0\.1:\d+/g), run.stderr).toHaveLength(1);
    expect(run.stderr).not.toContain('ECONNREFUSED');
    const trials = (await store.list()).filter((t) => t.parent !== undefined);
    expect(trials.filter((t) => t.status === 'completed')).toHaveLength(3);
  });
});

import type { ChildProcess } from 'node:child_process';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { settlesWithin, type NewTask, type Task, type TaskStore } from '../../src/core/index.ts';
import { enqueueTask } from '../../src/exec/queue/index.ts';
import { LocalExecutor } from '../../src/exec/local/local-executor.ts';
import { openStore } from '../../src/store/index.ts';
import { setRedisLog } from '../../src/store/redis/outage.ts';
import { CHILD_ENTRY } from '../../src/worker/index.ts';
import { OwnRedis } from '../exec/queue/redis-server.ts';
import { tempDir, writeConfig } from '../helpers/temp.ts';
import { errorLines, finish, start, until, type Run } from './helpers.ts';

/**
 * Findings: a Redis restarted without persistence wiped the store and the controller printed
 * `Task <id> not found` and hung (its executor waited for a trial's exit it had already seen);
 * an outage printed about 22 raw `connect ECONNREFUSED` dumps; an agent told to stop while its
 * Redis was gone waited for Redis to come back. Each test runs its own redis-server (no
 * persistence) on a free port: the shared one is never touched.
 */
describe('Redis restarted, wiped or gone under running commands', { timeout: 90_000 }, () => {
  let redis: OwnRedis;
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: TaskStore;
  let env: NodeJS.ProcessEnv;
  const children: ChildProcess[] = [];

  beforeAll(() => setRedisLog(() => {})); // this test process's own store sees the outages too
  beforeEach(async () => {
    redis = await OwnRedis.start();
    ({ dir, cleanup } = await tempDir());
    env = { ...process.env, HPO_REDIS_PREFIX: 'hpo:', REDIS_URL: redis.url };
    store = await openStore(redis.url, { env: {} });
  });
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    await store.close();
    await redis.stop();
    await cleanup();
  });

  /** A function-trainer task; `epochMs` x `epochs` is how long it runs. */
  const task = (epochMs: number, epochs: number, extra: Partial<NewTask> = {}): Promise<Task> =>
    store.create({ name: 'curve', project: 'test', type: 'training', trainer: { type: 'function', objective: 'learning-curve', epochMs }, params: { 'hyp/lr0': 0.01, 'args/epochs': epochs }, ...extra });

  /** Starts `hpo <args>` on this Redis and collects it (`stderr()` so far); the timeout only catches a hang. */
  const hpo = (args: string[]): { child: ChildProcess; stderr: () => string; done: Promise<Run> } => {
    const child = start(['--store', redis.url, ...args], { cwd: dir, env });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    return { child, stderr: () => stderr, done: finish(child, 60_000, args) };
  };

  /** A study of `maxTrials` trials of `epochs` epochs of 100 ms, one at a time. */
  const study = async (maxTrials: number, epochs: number, execution?: object): Promise<{ done: Promise<Run> }> => {
    const template = await task(100, 1, { status: 'draft' });
    await writeConfig(dir, { space: { 'hyp/lr0': { type: 'float', low: 1e-4, high: 0.1, log: true } }, budget: { maxTrials, concurrency: 1, maxEpochs: epochs }, ...(execution ? { execution } : {}) });
    return hpo(['run', '--template', template.id]);
  };

  /** Resolves once a queued or running task has reported an epoch: the fault then lands mid-trial. */
  const trialReported = () =>
    until('a trial to report an epoch', async () => {
      for (const t of await store.list({ type: 'training' })) {
        if (t.status !== 'draft' && Object.keys(await store.getScalars(t.id)).length > 0) return true;
      }
      return false;
    });

  it('without persistence: one warning at start, then one clear error and exit 1 when a restart wipes the store', async () => {
    const { done } = await study(2, 300);
    await trialReported();
    await redis.restart(0, { save: false });
    const run = await done;
    expect(run.code, run.stderr).toBe(1);
    expect(errorLines(run.stderr)).toEqual([expect.stringContaining('lost its data while this command ran')]);
    expect(run.stderr.match(/keeps no persistence/g)).toHaveLength(1);
    expect(run.stderr).not.toContain('internal error');
  });

  it('an outage prints one line when it starts and one when it ends, and the study completes', async () => {
    const { done } = await study(2, 20);
    await trialReported();
    await redis.restart(1_000, { save: true });
    const run = await done;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr.match(/Redis unreachable at redis:\/\/127\.0\.0\.1:\d+, retrying/g), run.stderr).toHaveLength(1);
    expect(run.stderr.match(/Redis reachable again at redis:\/\/127\.0\.0\.1:\d+/g), run.stderr).toHaveLength(1);
    expect(run.stderr).not.toContain('ECONNREFUSED');
    const trials = (await store.list()).filter((t) => t.parent !== undefined);
    expect(trials.map((t) => t.status)).toEqual(['completed', 'completed']);
  });

  it('a wipe under a queued study: the controller exits 1, the agent says it once per task and keeps serving', async () => {
    const agent = hpo(['agent', '--queue', 'q', '--grace', '1']);
    const { done } = await study(2, 300, { type: 'queue', queue: 'q' });
    await trialReported();
    await redis.restart(0, { save: false });
    const run = await done;
    expect(run.code, run.stderr).toBe(1);
    expect(errorLines(run.stderr)).toEqual([expect.stringContaining('lost its data while this command ran')]);

    // The agent outlives the wipe: a task enqueued into the empty Redis runs to its end.
    const after = await task(0, 2, { status: 'queued' });
    await enqueueTask({ redisUrl: redis.url, prefix: 'hpo:', queue: 'q', kind: 'trial', taskId: after.id, storeSpec: redis.url });
    await until('the task enqueued after the wipe to complete', async () => (await store.get(after.id)).status === 'completed');
    agent.child.kill('SIGTERM');
    const exit = await agent.done;
    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.stderr.match(/task \S+ \(job \S+\) lost: The Redis store at redis:\/\/127\.0\.0\.1:\d+ lost its data/g), exit.stderr).toHaveLength(1);
    expect(exit.stderr).not.toMatch(/Missing key|^\s+at /m);
  });

  it('an agent whose Redis is gone for good stops on SIGTERM, with one outage line and no stack', async () => {
    const trial = await task(100, 300, { status: 'queued' });
    await enqueueTask({ redisUrl: redis.url, prefix: 'hpo:', queue: 'q', kind: 'trial', taskId: trial.id, storeSpec: redis.url });
    const agent = hpo(['agent', '--queue', 'q', '--grace', '1']);
    await trialReported();
    await redis.stop();
    // Once the agent has seen the outage, a stop must not wait for a Redis that never returns.
    await until('the agent to see the outage', () => agent.stderr().includes('Redis unreachable'));
    agent.child.kill('SIGTERM');
    const exit = await agent.done;
    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.stderr.match(/Redis unreachable at redis:\/\/127\.0\.0\.1:\d+, retrying/g), exit.stderr).toHaveLength(1);
    expect(exit.stderr).toContain('agent stopped');
    expect(exit.stderr).not.toMatch(/ECONNREFUSED|internal error|^\s+at /m);
  });

  it('a trial that exits while Redis does not answer: closing its executor still ends', async () => {
    const trial = await task(50, 1_000, { status: 'queued' });
    let reported!: () => void;
    const firstReport = new Promise<void>((resolve) => (reported = resolve));
    const executor = new LocalExecutor({ store, storeSpec: redis.url, childEntry: CHILD_ENTRY, concurrency: 1, graceMs: 200, events: { started() {}, reported: () => reported(), finished() {} } });
    await executor.submit(trial);
    await firstReport;
    const pid = (await store.get(trial.id)).environment?.run?.pid;
    expect(pid).toBeGreaterThan(0);
    redis.pause();
    // The trial dies and its exit is seen; recording its outcome then waits on the frozen Redis.
    process.kill(pid!, 'SIGKILL');
    await until('the trial process to be gone', () => !alive(pid!));
    try {
      expect(await settlesWithin(executor.close(), 30_000)).toBe(true);
    } finally {
      redis.resume();
    }
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openRedisStore } from '../../../src/store/redis/index.ts';
import { QueueExecutor, REQUEUE_REASON, enqueueTask, startAgent } from '../../../src/exec/queue/index.ts';
import { freePort } from '../../setup/redis.ts';
import { deleteKeys } from './redis-keys-cleanup.ts';
import { OwnRedis } from './redis-server.ts';
import { FAST_TIMING, isolation, logLines, recordEvents, redisUrl, statusOf, testRunner, trialTask, waitFor } from './helpers.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/agent-main.ts', import.meta.url));

function spawnAgent(env: Record<string, string>): ChildProcess & { output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return Object.assign(child, { output: () => output, exited });
}

describe('fault tolerance (real agent processes, real Redis)', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  });

  it('an agent killed with SIGKILL mid-trial: another agent reruns it and it completes exactly once', async () => {
    const { prefix, queue } = isolation();
    const store = await openRedisStore(redisUrl(), { prefix });
    cleanups.push(() => deleteKeys(redisUrl(), `${prefix}*`), () => store.close());
    const events = recordEvents();
    const executor = await QueueExecutor.open({ store, redisUrl: redisUrl(), prefix, queue, events, pollMs: 200 });
    cleanups.push(() => executor.close());
    const doomed = spawnAgent({ REDIS_URL: redisUrl(), HPO_PREFIX: prefix, HPO_QUEUE: queue, AGENT_NAME: 'doomed', EPOCHS: '40', EPOCH_MS: '100', LOCK_MS: '2000' });
    cleanups.push(async () => void doomed.kill('SIGKILL'));
    const task = await store.create(trialTask());
    await executor.submit(task);
    await waitFor('trial running in the doomed process', async () => (await store.getScalars(task.id))['metrics/mAP_0.5:0.95']?.length >= 2, 30_000);
    doomed.kill('SIGKILL');
    expect(await doomed.exited).toBeNull();
    expect(await statusOf(store, task.id)).toBe('running'); // as the dead agent left it

    const rescuer = await startAgent({ queues: [queue], redisUrl: redisUrl(), prefix, store, runTask: testRunner(store, { agent: 'rescuer', epochs: 3 }), timing: FAST_TIMING });
    cleanups.push(() => rescuer.close());
    await waitFor('trial finished by the rescuer', () => events.finished_.has(task.id), 30_000);
    expect(await store.get(task.id)).toMatchObject({ status: 'completed' });
    expect(await logLines(store, task.id, 'run')).toEqual(['run doomed', 'run rescuer']);
    expect(await logLines(store, task.id, 'done')).toEqual(['done rescuer']);
    expect(events.finished_.get(task.id)).toEqual([{ status: 'completed', ending: { kind: 'completed', reason: 'completed' }, reason: undefined }]);
    // The rerun's reports replaced the dead run's for the same epochs.
    expect((await store.getScalars(task.id))['metrics/mAP_0.5:0.95'].slice(0, 3).map((p) => p.value)).toEqual([1 / 3, 2 / 3, 1]);
  });

  it('SIGTERM stops an agent process gracefully: its trial goes back to the queue', async () => {
    const { prefix, queue } = isolation();
    const store = await openRedisStore(redisUrl(), { prefix });
    cleanups.push(() => deleteKeys(redisUrl(), `${prefix}*`), () => store.close());
    const agent = spawnAgent({ REDIS_URL: redisUrl(), HPO_PREFIX: prefix, HPO_QUEUE: queue, AGENT_NAME: 'p', EPOCHS: '100', EPOCH_MS: '50' });
    cleanups.push(async () => void agent.kill('SIGKILL'));
    const task = await store.create(trialTask());
    await enqueueTask({ redisUrl: redisUrl(), prefix, queue, kind: 'trial', taskId: task.id, storeSpec: redisUrl() });
    await waitFor('running', async () => (await store.getScalars(task.id))['metrics/mAP_0.5:0.95']?.length >= 1, 30_000);
    agent.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
    expect(await store.get(task.id)).toMatchObject({ status: 'queued', statusReason: REQUEUE_REASON });
    expect(agent.output()).toMatch(/"message":"task \S+ requeued \(job \S+\): agent shutting down"/);
  });

  it('Redis restarted mid-study: agent and executor reconnect and every trial completes once', async () => {
    const redis = await OwnRedis.start();
    cleanups.push(() => redis.stop());
    const { prefix, queue } = isolation();
    const store = await openRedisStore(redis.url, { prefix });
    cleanups.push(() => store.close());
    const events = recordEvents();
    const agentLog: string[] = [];
    const executor = await QueueExecutor.open({ store, redisUrl: redis.url, prefix, queue, events, pollMs: 200, capacity: 4 });
    cleanups.push(() => executor.close());
    const agent = await startAgent({
      queues: [queue],
      concurrency: 2,
      redisUrl: redis.url,
      prefix,
      store,
      runTask: testRunner(store, { agent: 'A', epochs: 8, epochMs: 100 }),
      timing: { lockDurationMs: 5_000 },
      log: (_level, message) => void agentLog.push(message),
    });
    cleanups.push(() => agent.close());
    const tasks = await Promise.all(Array.from({ length: 4 }, () => store.create(trialTask())));
    for (const t of tasks) await executor.submit(t);
    await waitFor('two trials running', async () => (await store.list({ status: 'running' })).length === 2);
    const before = events.finished_.size;
    await redis.restart(1_000);
    expect(before).toBeLessThan(4);
    await waitFor('all trials finished', () => events.finished_.size === 4, 40_000);
    // The outage is one line each way from the connection (outage.ts), not a line per failed retry.
    expect(agentLog).not.toContain('Redis connection error; reconnecting');
    for (const t of tasks) {
      expect(await statusOf(store, t.id)).toBe('completed');
      expect(await logLines(store, t.id, 'done')).toEqual(['done A']);
      expect(events.finished_.get(t.id)).toHaveLength(1);
    }
  });

  it('Redis down at start: a clear error naming the URL (password hidden), from the API and from a process', async () => {
    const port = await freePort();
    const url = `redis://:hunter2@127.0.0.1:${port}`;
    const shown = `redis://:***@127.0.0.1:${port}`;
    const store = await openRedisStore(redisUrl(), { prefix: isolation().prefix });
    cleanups.push(() => store.close());
    const attempts: Array<() => Promise<unknown>> = [
      () => startAgent({ queues: ['q'], redisUrl: url, store, runTask: testRunner(store, { agent: 'x' }) }),
      () => QueueExecutor.open({ store, redisUrl: url, queue: 'q', events: recordEvents() }),
      () => enqueueTask({ redisUrl: url, queue: 'q', kind: 'controller', taskId: 'abc123', storeSpec: url }),
    ];
    for (const attempt of attempts) {
      const error = (await attempt().then(() => undefined, (e: unknown) => e)) as Error & { code?: string };
      expect(error).toMatchObject({ code: 'REDIS_UNAVAILABLE' });
      expect(error.message).toContain(shown);
      expect(error.message).not.toContain('hunter2');
    }
    const agent = spawnAgent({ REDIS_URL: url, HPO_PREFIX: 'x:', HPO_QUEUE: 'q' });
    expect(await agent.exited).toBe(1);
    expect(agent.output()).toContain(`RedisUnavailableError [REDIS_UNAVAILABLE]: Cannot reach Redis at ${shown}`);
    expect(agent.output()).not.toContain('hunter2');
  });
});

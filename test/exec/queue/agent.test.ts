import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskStore } from '../../../src/core/index.ts';
import { openRedisStore } from '../../../src/store/redis/index.ts';
import { QueueExecutor, REQUEUE_REASON, ORPHAN_REASON, bullPrefix, enqueueTask, startAgent, type Agent, type AgentLog } from '../../../src/exec/queue/index.ts';
import { deleteKeys } from './redis-keys-cleanup.ts';
import { FAST_TIMING, isolation, logLines, recordEvents, redisUrl, statusOf, testRunner, trialTask, waitFor } from './helpers.ts';

describe('queue agent (real Redis, in-process agents)', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup() {
    const { prefix, queue } = isolation();
    const store = await openRedisStore(redisUrl(), { prefix });
    cleanups.push(() => deleteKeys(redisUrl(), `${prefix}*`), () => store.close());
    const events = recordEvents();
    const executor = await QueueExecutor.open({ store, redisUrl: redisUrl(), prefix, queue, events, pollMs: 200, capacity: 8 });
    cleanups.push(() => executor.close());
    const warnings: string[] = [];
    const log: AgentLog = (level, message) => {
      if (level !== 'info') warnings.push(message);
    };
    const agent = async (name: string, store_: TaskStore, extra: { epochs?: number; epochMs?: number; concurrency?: number; gpus?: string[]; staleMs?: number } = {}): Promise<Agent> => {
      const started = await startAgent({
        queues: [queue],
        concurrency: extra.concurrency ?? (extra.gpus ? undefined : 1),
        gpus: extra.gpus,
        redisUrl: redisUrl(),
        prefix,
        store: store_,
        runTask: testRunner(store_, { agent: name, epochs: extra.epochs, epochMs: extra.epochMs }),
        timing: { ...FAST_TIMING, staleMs: extra.staleMs },
        log,
        name,
      });
      cleanups.push(() => started.close({ drain: false }));
      return started;
    };
    return { prefix, queue, store, events, executor, agent, warnings };
  }

  it('runs 20 trials across 2 agents, each exactly once, and reports every finish once', async () => {
    const { store, events, executor, agent } = await setup();
    const otherStore = await openRedisStore(redisUrl(), { prefix: (store as { prefix: string }).prefix });
    cleanups.push(() => otherStore.close());
    await agent('A', store, { concurrency: 2, epochs: 2 });
    await agent('B', otherStore, { concurrency: 2, epochs: 2 });
    const tasks = await Promise.all(Array.from({ length: 20 }, (_, i) => store.create(trialTask({ name: `t${i}` }))));
    for (const task of tasks) await executor.submit(task);
    await waitFor('20 finished events', () => events.finished_.size === 20);
    const runners = new Set<string>();
    for (const task of tasks) {
      expect(await statusOf(store, task.id)).toBe('completed');
      const runs = await logLines(store, task.id, 'run');
      expect(runs).toHaveLength(1);
      runners.add(runs[0]);
      expect(await logLines(store, task.id, 'done')).toHaveLength(1);
      expect(events.finished_.get(task.id)).toEqual([{ status: 'completed', ending: { kind: 'completed', reason: 'completed' }, reason: undefined }]);
      expect((await store.getScalars(task.id))['metrics/mAP_0.5:0.95']).toEqual([{ step: 0, value: 0.5 }, { step: 1, value: 1 }]);
    }
    expect([...runners].sort()).toEqual(['run A', 'run B']);
    const reports = events.log.filter((e) => e.type === 'reported');
    expect(reports.length).toBeGreaterThan(0);
    expect(reports[0].detail).toMatchObject({ scalars: { 'metrics/mAP_0.5:0.95': expect.any(Number) } });
  });

  it('submitting a task twice enqueues one job and runs it once', async () => {
    const { store, events, executor, agent, prefix, queue } = await setup();
    const task = await store.create(trialTask());
    await executor.submit(task);
    await executor.submit(task);
    const q = new Queue(queue, { connection: { url: redisUrl() }, prefix: bullPrefix(prefix) });
    cleanups.push(() => q.close());
    expect(await q.getJobCounts('waiting')).toEqual({ waiting: 1 });
    await agent('A', store);
    await waitFor('finish', () => events.finished_.has(task.id));
    expect(events.finished_.get(task.id)).toEqual([{ status: 'completed', ending: { kind: 'completed', reason: 'completed' }, reason: undefined }]);
    // Submitted again after it completed: the agent finds it final and runs nothing.
    await executor.submit(task);
    await waitFor('second finish', () => events.finished_.get(task.id)!.length === 2);
    expect(events.finished_.get(task.id)![1]).toEqual({ status: 'completed', ending: { kind: 'completed', reason: 'completed' }, reason: undefined });
    await waitFor('job consumed', async () => Object.values(await q.getJobCounts('waiting', 'active', 'delayed')).every((n) => n === 0));
    expect(await logLines(store, task.id, 'run')).toHaveLength(1);
  });

  it('fails a malformed job alone, as unrecoverable, and keeps serving', async () => {
    const { store, events, executor, agent, prefix, queue, warnings } = await setup();
    const q = new Queue(queue, { connection: { url: redisUrl() }, prefix: bullPrefix(prefix) });
    cleanups.push(() => q.close());
    await q.add('trial', { kind: 'trial', taskId: '../../etc/passwd', store: 'x', extra: '$(rm -rf /)' }, { jobId: 'bad-1', attempts: 3 });
    await q.add('trial', 'not even an object', { jobId: 'bad-2', attempts: 3 });
    await agent('A', store);
    const good = await store.create(trialTask());
    await executor.submit(good);
    await waitFor('good trial finished', () => events.finished_.has(good.id));
    const bad1 = await waitFor('bad-1 failed', async () => ((await q.getJob('bad-1'))?.failedReason ? q.getJob('bad-1') : undefined));
    expect(bad1!.attemptsMade).toBe(1);
    expect(bad1!.failedReason).toContain('task id must be 1-64 characters');
    expect(bad1!.failedReason).toContain('"../../etc/passwd"');
    expect(bad1!.failedReason).toContain('unknown key "extra"');
    const bad2 = await waitFor('bad-2 failed', async () => ((await q.getJob('bad-2'))?.failedReason ? q.getJob('bad-2') : undefined));
    expect(bad2!.attemptsMade).toBe(1);
    expect(await statusOf(store, good.id)).toBe('completed');
    // The agent's log line names the job, its task and the reason.
    expect(warnings.find((w) => w.startsWith('job bad-1 '))).toMatch(/^job bad-1 \(task .*\) failed on queue .*: .*task id must be 1-64 characters/s);
  });

  it('graceful shutdown hands the running trial back; another agent finishes it, once', async () => {
    const { store, events, executor, agent } = await setup();
    const a = await agent('A', store, { epochs: 40, epochMs: 50 });
    const task = await store.create(trialTask());
    await executor.submit(task);
    await waitFor('trial running on A', async () => (await store.getScalars(task.id))['metrics/mAP_0.5:0.95']?.length >= 2);
    await a.close();
    const handedBack = await store.get(task.id);
    expect(handedBack).toMatchObject({ status: 'queued', statusReason: REQUEUE_REASON });
    expect(handedBack.stopRequest).toBeUndefined();
    expect(events.finished_.has(task.id)).toBe(false);
    await agent('B', store, { epochs: 3 });
    await waitFor('finish on B', () => events.finished_.has(task.id));
    expect(await statusOf(store, task.id)).toBe('completed');
    expect(await logLines(store, task.id, 'run')).toEqual(['run A', 'run B']);
    expect(await logLines(store, task.id, 'done')).toEqual(['done B']);
    expect(events.finished_.get(task.id)).toEqual([{ status: 'completed', ending: { kind: 'completed', reason: 'completed' }, reason: undefined }]);
  });

  it('with drain, closing waits for the running trial to finish', async () => {
    const { store, events, executor, agent } = await setup();
    const a = await agent('A', store, { epochs: 6, epochMs: 50 });
    const task = await store.create(trialTask());
    await executor.submit(task);
    await waitFor('running', async () => (await statusOf(store, task.id)) === 'running');
    await a.close({ drain: true });
    expect(await statusOf(store, task.id)).toBe('completed');
    expect(await logLines(store, task.id, 'done')).toEqual(['done A']);
    await waitFor('finish', () => events.finished_.has(task.id));
  });

  it('stop() ends a running trial at its epoch boundary and takes a waiting one off the queue', async () => {
    const { store, events, executor, agent } = await setup();
    await agent('A', store, { epochs: 100, epochMs: 30 });
    const running = await store.create(trialTask());
    const waiting = await store.create(trialTask());
    await executor.submit(running);
    await waitFor('running', async () => (await statusOf(store, running.id)) === 'running');
    await executor.submit(waiting);
    await executor.stop(waiting.id, { kind: 'stopped', reason: 'study stopped' });
    await executor.stop(running.id, { kind: 'pruned', reason: 'pruned at epoch 1' });
    await waitFor('both finished', () => events.finished_.size === 2);
    expect(events.finished_.get(running.id)).toEqual([{ status: 'stopped', ending: { kind: 'pruned', reason: 'pruned at epoch 1' }, reason: 'pruned at epoch 1' }]);
    expect(events.finished_.get(waiting.id)).toEqual([{ status: 'stopped', ending: { kind: 'stopped', reason: 'study stopped' }, reason: 'study stopped' }]);
    expect(await logLines(store, waiting.id, 'run')).toEqual([]);
    expect((await store.getScalars(running.id))['metrics/mAP_0.5:0.95'].length).toBeLessThan(100);
  });

  it('gives each concurrent slot its own GPU', async () => {
    const { store, events, executor, agent } = await setup();
    await agent('A', store, { gpus: ['0', '1'], epochs: 4, epochMs: 40 });
    const tasks = await Promise.all([0, 1].map(() => store.create(trialTask())));
    for (const t of tasks) await executor.submit(t);
    await waitFor('both finished', () => events.finished_.size === 2);
    const runs = (await Promise.all(tasks.map((t) => logLines(store, t.id, 'run')))).flat().sort();
    expect(runs).toEqual(['run A gpu=0', 'run A gpu=1']);
  });

  it('requeues and reruns a task left running by a dead agent, but not while its heartbeat is fresh', async () => {
    const { store, events, executor, agent, prefix, queue } = await setup();
    const orphan = await store.create(trialTask());
    await store.setStatus(orphan.id, 'running');
    await store.update(orphan.id, { heartbeatAt: Date.now() - 60_000 });
    const alive = await store.create(trialTask());
    await store.setStatus(alive.id, 'running');
    // Another process is running `alive` and beating for it.
    let beating = true;
    const beat = async (): Promise<void> => {
      while (beating) {
        await store.update(alive.id, { heartbeatAt: Date.now() });
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const beater = beat();
    await executor.submit(orphan);
    await executor.submit(alive);
    // A staleness well above the beat period, so a slow beat on a busy machine is not taken for death.
    const a = await agent('A', store, { staleMs: 1_500 });
    await waitFor('orphan finished', () => events.finished_.has(orphan.id));
    expect(await logLines(store, orphan.id, 'run')).toEqual(['run A']);
    expect(await statusOf(store, orphan.id)).toBe('completed');
    const q = new Queue(queue, { connection: { url: redisUrl() }, prefix: bullPrefix(prefix) });
    cleanups.push(() => q.close());
    await waitFor('live task put aside', async () => (await (await q.getJob(alive.id))?.getState()) === 'delayed');
    await new Promise((r) => setTimeout(r, 2_000)); // longer than the staleness: still left alone while it beats
    expect(await store.get(alive.id)).toMatchObject({ status: 'running' });
    expect(await logLines(store, alive.id, 'run')).toEqual([]);
    beating = false; // its process dies
    await beater;
    await waitFor('dead task rerun', () => events.finished_.has(alive.id));
    expect(await logLines(store, alive.id, 'run')).toEqual(['run A']);
    expect(await statusOf(store, alive.id)).toBe('completed');
    expect(a.timing.staleMs).toBe(1_500);
    expect(ORPHAN_REASON).toMatch(/requeued/);
  });

  it('runs controller jobs through runController; a shutdown hands the study to another agent, which resumes it', async () => {
    const { store, prefix, queue } = await setup();
    const controller = await store.create(trialTask({ type: 'controller', name: 'study' }));
    const calls: string[] = [];
    // A stand-in study: claims the controller, "runs" until 10 ticks are recorded in the store, resumable.
    const runController = (agentName: string) => async (id: string, signal: AbortSignal): Promise<void> => {
      calls.push(agentName);
      await store.setStatus(id, 'running', { expect: ['queued'] });
      while (!signal.aborted) {
        const ticks = (await store.readLog(id)).length;
        if (ticks >= 10) return void (await store.setStatus(id, 'completed', { expect: ['running'] }));
        await store.appendLog(id, agentName);
        await new Promise((r) => setTimeout(r, 30));
      }
    };
    const start = (name: string) =>
      startAgent({ queues: [queue], redisUrl: redisUrl(), prefix, store, runTask: testRunner(store, { agent: name }), runController: runController(name), timing: FAST_TIMING });
    const a = await start('A');
    cleanups.push(() => a.close());
    await enqueueTask({ redisUrl: redisUrl(), prefix, queue, kind: 'controller', taskId: controller.id, storeSpec: 'redis://user:pw@h:1' });
    await waitFor('study running on A', async () => (await store.readLog(controller.id)).length >= 3);
    await a.close();
    expect(await store.get(controller.id)).toMatchObject({ status: 'queued', statusReason: REQUEUE_REASON });
    const b = await start('B');
    cleanups.push(() => b.close());
    await waitFor('study completed on B', async () => (await statusOf(store, controller.id)) === 'completed');
    expect(calls).toEqual(['A', 'B']);
    const log = await store.readLog(controller.id);
    expect(log).toMatch(/^A+B+$/);
    expect(log).toHaveLength(10);
  });

  it('a controller job fails as unrecoverable on an agent without runController, naming the fix', async () => {
    const { store, prefix, queue, agent } = await setup();
    const controller = await store.create(trialTask({ type: 'controller' }));
    await agent('A', store);
    await enqueueTask({ redisUrl: redisUrl(), prefix, queue, kind: 'controller', taskId: controller.id, storeSpec: 'x' });
    const q = new Queue(queue, { connection: { url: redisUrl() }, prefix: bullPrefix(prefix) });
    cleanups.push(() => q.close());
    const job = await waitFor('failed', async () => ((await q.getJob(controller.id))?.failedReason ? q.getJob(controller.id) : undefined));
    expect(job!.failedReason).toContain('runs trials only');
    expect(job!.attemptsMade).toBe(1);
    expect(job!.data.store).toBe('x');
  });

  it('keeps passwords out of job payloads', async () => {
    const { store, prefix, queue } = await setup();
    const task = await store.create(trialTask());
    await enqueueTask({ redisUrl: redisUrl(), prefix, queue, kind: 'trial', taskId: task.id, storeSpec: 'redis://:topsecret@db.example:6379/2' });
    const q = new Queue(queue, { connection: { url: redisUrl() }, prefix: bullPrefix(prefix) });
    cleanups.push(() => q.close());
    expect((await q.getJob(task.id))!.data).toEqual({ kind: 'trial', taskId: task.id, store: 'redis://:***@db.example:6379/2' });
  });

  it('refuses bad agent options with errors naming the value', async () => {
    const { store } = await setup();
    const base = { redisUrl: redisUrl(), store, runTask: testRunner(store, { agent: 'x' }) };
    await expect(startAgent({ ...base, queues: ['a:b'] })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('"a:b"') });
    await expect(startAgent({ ...base, queues: [] })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('--queue') });
    await expect(startAgent({ ...base, queues: ['q'], gpus: ['0'], concurrency: 2 })).rejects.toMatchObject({ message: expect.stringContaining('concurrency 2 with 1 GPU') });
    await expect(startAgent({ ...base, queues: ['q'], gpus: ['0;rm'] })).rejects.toMatchObject({ message: expect.stringContaining('"0;rm"') });
  });
});

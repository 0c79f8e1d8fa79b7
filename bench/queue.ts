/**
 * Queue throughput: `npm run bench:queue` (REDIS_URL, default redis://127.0.0.1:6379).
 *
 * 1. Dispatch overhead: one trial at a time, submit -> agent runs a no-op trial in-process
 *    (claim queued->running, complete: the store writes a real runner makes) -> the executor's
 *    `finished`. Measured with 1 and with 4 agents (in-process BullMQ workers). Goal < 5 ms.
 * 2. Wall time of 1000 no-op trials submitted at once through 4 agents. Goal < 20 s.
 * 3. The Redis store's list() over those 1000 trials (by parent, and filtered by status).
 * Uses its own key prefix and queue, deleted at the end.
 */
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import type { Task, TaskStore } from '../src/core/index.ts';
import type { TrialOutcome } from '../src/study/executor.ts';
import { openRedisStore } from '../src/store/redis/index.ts';
import { QueueExecutor, startAgent, type Agent, type AgentTaskRunner } from '../src/exec/queue/index.ts';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `hpo-bench-${randomUUID()}:`;

function noopRunner(store: TaskStore): AgentTaskRunner {
  return async (taskId) => {
    await store.setStatus(taskId, 'running', { expect: ['queued'] });
    await store.setStatus(taskId, 'completed', { expect: ['running'] });
    return { status: 'completed', ending: { kind: 'completed', reason: 'completed' } } satisfies TrialOutcome;
  };
}

async function withAgents<T>(store: TaskStore, queue: string, count: number, body: () => Promise<T>): Promise<T> {
  const agents: Agent[] = [];
  for (let i = 0; i < count; i++) {
    agents.push(await startAgent({ queues: [queue], redisUrl: url, prefix, store, runTask: noopRunner(store), name: `bench-${i}` }));
  }
  try {
    return await body();
  } finally {
    await Promise.all(agents.map((a) => a.close({ drain: true })));
  }
}

function makeExecutor(store: TaskStore, queue: string, onFinished: (id: string) => void): Promise<QueueExecutor> {
  return QueueExecutor.open({
    store,
    redisUrl: url,
    prefix,
    queue,
    capacity: 1000,
    events: { started: () => {}, reported: () => {}, finished: (id) => onFinished(id) },
  });
}

/** Latency samples (ms) and this process's CPU time per trial (ms: agents, executor and store all run here). */
async function dispatchOverhead(store: TaskStore, agents: number, trials: number): Promise<{ samples: number[]; cpuMs: number }> {
  const queue = `bench-${randomUUID()}`;
  let resolveFinish: (() => void) | undefined;
  const executor = await makeExecutor(store, queue, () => resolveFinish?.());
  const parent = `bench${Date.now().toString(36)}`;
  const samples: number[] = [];
  let cpu = { user: 0, system: 0 };
  await withAgents(store, queue, agents, async () => {
    for (let i = 0; i < trials + 5; i++) {
      if (i === 5) cpu = process.cpuUsage();
      const task = await store.create({ name: `t${i}`, project: 'bench', type: 'training', trainer: { type: 'noop' }, params: {}, parent, status: 'queued' });
      const done = new Promise<void>((r) => (resolveFinish = r));
      const t0 = performance.now();
      await executor.submit(task);
      await done;
      if (i >= 5) samples.push(performance.now() - t0); // the first few warm up connections and scripts
    }
    cpu = process.cpuUsage(cpu);
  });
  await executor.close();
  return { samples, cpuMs: (cpu.user + cpu.system) / 1000 / trials };
}

async function burst(store: TaskStore, agents: number, trials: number): Promise<{ wallMs: number; parent: string }> {
  const queue = `bench-${randomUUID()}`;
  const parent = `burst${Date.now().toString(36)}`;
  const tasks: Task[] = [];
  for (let i = 0; i < trials; i++) {
    tasks.push(await store.create({ name: `t${i}`, project: 'bench', type: 'training', trainer: { type: 'noop' }, params: {}, parent, status: 'queued' }));
  }
  let finished = 0;
  let allDone!: () => void;
  const done = new Promise<void>((r) => (allDone = r));
  const executor = await makeExecutor(store, queue, () => {
    if (++finished === trials) allDone();
  });
  const wallMs = await withAgents(store, queue, agents, async () => {
    const t0 = performance.now();
    for (const task of tasks) await executor.submit(task);
    await done;
    return performance.now() - t0;
  });
  await executor.close();
  return { wallMs, parent };
}

function summary({ samples, cpuMs }: { samples: number[]; cpuMs: number }): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((s, x) => s + x, 0) / samples.length;
  const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return `mean ${mean.toFixed(2)} ms, p50 ${q(0.5).toFixed(2)} ms, p95 ${q(0.95).toFixed(2)} ms, CPU ${cpuMs.toFixed(2)} ms/trial (n=${samples.length})`;
}

async function cleanup(): Promise<void> {
  const client = new Redis(url);
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await client.del(...keys);
  } while (cursor !== '0');
  client.disconnect();
}

async function main(): Promise<void> {
  const store = await openRedisStore(url, { prefix });
  try {
    const trials = Number(process.env.BENCH_TRIALS ?? 1000);
    console.log(`queue bench on ${url} (node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}, ${cpus().length} cores)`);
    console.log(`dispatch overhead, 1 agent:  ${summary(await dispatchOverhead(store, 1, 100))}`);
    console.log(`dispatch overhead, 4 agents: ${summary(await dispatchOverhead(store, 4, 100))}`);
    const { wallMs, parent } = await burst(store, 4, trials);
    console.log(`${trials} no-op trials through 4 agents: ${(wallMs / 1000).toFixed(2)} s wall (${(wallMs / trials).toFixed(2)} ms/trial)`);
    let t0 = performance.now();
    const children = await store.list({ parent });
    const byParent = performance.now() - t0;
    t0 = performance.now();
    const completed = await store.list({ parent, status: 'completed' });
    const byStatus = performance.now() - t0;
    console.log(`store.list over ${children.length} trials: by parent ${byParent.toFixed(1)} ms, by parent+status ${byStatus.toFixed(1)} ms (${completed.length} completed)`);
  } finally {
    await store.close();
    await cleanup();
  }
}

await main();

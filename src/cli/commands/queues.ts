import Table from 'cli-table3';
import { openCliStore, type GlobalOptions } from '../context.ts';
import { resolveRedisUrl } from '../executors.ts';

async function withRedis<T>(globals: GlobalOptions, flag: string | undefined, use: (redis: import('ioredis').Redis, prefix?: string) => Promise<T>): Promise<T> {
  const { storeSpec, store } = await openCliStore(globals);
  await store.close();
  const { connectRedis } = await import('../../store/redis/connection.ts');
  const redis = await connectRedis(resolveRedisUrl(undefined, storeSpec, flag), { maxRetriesPerRequest: 1 });
  try {
    return await use(redis, process.env.HPO_REDIS_PREFIX);
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}

/** `hpo queues`: every queue with its waiting, active, delayed and failed jobs and the agents listening. */
export async function queuesCommand(options: { redis?: string; json?: boolean }, globals: GlobalOptions): Promise<void> {
  const { listQueues } = await import('../../exec/queue/index.ts');
  const queues = await withRedis(globals, options.redis, (redis, prefix) => listQueues(redis, prefix));
  if (options.json) return void process.stdout.write(JSON.stringify(queues, null, 2) + '\n');
  const table = new Table({ head: ['queue', 'waiting', 'active', 'delayed', 'failed', 'agents'], style: { head: [], border: [] } });
  for (const q of queues) table.push([q.queue, q.waiting, q.active, q.delayed, q.failed, q.agents.join(', ') || '(none listening)']);
  process.stdout.write(queues.length ? table.toString() + '\n' : 'no queues\n');
}

/** `hpo agents`: every live agent: host, queues, current tasks, GPUs, last heartbeat. */
export async function agentsCommand(options: { redis?: string; json?: boolean }, globals: GlobalOptions): Promise<void> {
  const { listAgents } = await import('../../exec/queue/index.ts');
  const agents = await withRedis(globals, options.redis, (redis, prefix) => listAgents(redis, prefix));
  if (options.json) return void process.stdout.write(JSON.stringify(agents, null, 2) + '\n');
  const table = new Table({ head: ['agent', 'host', 'queues', 'running', 'gpus', 'slots', 'heartbeat', 'version'], style: { head: [], border: [] } });
  const now = Date.now();
  for (const a of agents) {
    table.push([a.name, a.host, a.queues.join(', '), a.running.join(', ') || '(idle)', a.gpus?.join(',') ?? '', a.slots, `${Math.max(0, Math.round((now - a.beatAt) / 1000))} s ago`, a.version ?? '']);
  }
  process.stdout.write(agents.length ? table.toString() + '\n' : 'no agents\n');
}

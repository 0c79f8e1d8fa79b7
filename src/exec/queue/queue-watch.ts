import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { connectRedis } from '../../store/redis/connection.ts';
import { readPresence, type AgentPresence } from './presence.ts';
import { assertQueueName, bullPrefix } from './queue-keys.ts';

/** Jobs of one or more queues by state, summed. */
export interface QueueDepth {
  /** Ready to run (BullMQ `waiting` + `prioritized`). */
  waiting: number;
  /** Held back for later: a retry's backoff, or handed back by a busy agent. */
  delayed: number;
  /** Taken by an agent. */
  active: number;
}

/** Read-only view of queues and agent presence, for the autoscaler. */
export interface QueueWatch {
  depth(): Promise<QueueDepth>;
  presence(names: readonly string[]): Promise<Map<string, AgentPresence>>;
  close(): Promise<void>;
}

/** Opens one Redis connection (fail fast: RedisUnavailableError naming the URL) for `queues`. */
export async function openQueueWatch(options: { redisUrl: string; prefix?: string; queues: readonly string[] }): Promise<QueueWatch> {
  options.queues.forEach((q) => assertQueueName(q));
  const connection: Redis = await connectRedis(options.redisUrl, { maxRetriesPerRequest: 1 });
  const queues = options.queues.map((name) => new Queue(name, { connection, prefix: bullPrefix(options.prefix) }));
  return {
    async depth() {
      const total: QueueDepth = { waiting: 0, delayed: 0, active: 0 };
      for (const queue of queues) {
        const c = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
        total.waiting += (c.waiting ?? 0) + (c.prioritized ?? 0);
        total.delayed += c.delayed ?? 0;
        total.active += c.active ?? 0;
      }
      return total;
    },
    presence: (names) => readPresence(connection, names, options.prefix),
    async close() {
      for (const queue of queues) await queue.close().catch(() => {});
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}

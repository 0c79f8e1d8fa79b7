import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { listAgents } from './presence.ts';
import { bullPrefix, queueMetaPattern, queueOfMetaKey } from './queue-keys.ts';

/** One queue as `hpo queues` shows it. */
export interface QueueSummary {
  queue: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  /** Names of the agents whose live record lists this queue. */
  agents: string[];
}

/**
 * Every queue under `prefix` that BullMQ knows (its meta hash) or a live agent listens to,
 * with its job counts (waiting includes prioritized jobs) and its listening agents.
 */
export async function listQueues(redis: Redis, prefix?: string): Promise<QueueSummary[]> {
  const names = new Set<string>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', queueMetaPattern(prefix), 'COUNT', 500);
    for (const key of keys) {
      const name = queueOfMetaKey(prefix, key);
      if (name) names.add(name);
    }
    cursor = next;
  } while (cursor !== '0');
  const agents = await listAgents(redis, prefix);
  agents.forEach((a) => a.queues.forEach((q) => names.add(q)));
  const summaries: QueueSummary[] = [];
  for (const name of [...names].sort()) {
    const queue = new Queue(name, { connection: redis, prefix: bullPrefix(prefix) });
    try {
      const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
      summaries.push({
        queue: name,
        waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        failed: counts.failed ?? 0,
        agents: agents.filter((a) => a.queues.includes(name)).map((a) => a.name),
      });
    } finally {
      await queue.close();
    }
  }
  return summaries;
}

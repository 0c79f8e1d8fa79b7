import { HpoError } from '../../core/index.ts';
import { redactUrl } from '../../store/redis/connection.ts';
import { assertQueueName } from '../../exec/queue/queue-keys.ts';
import { logLine, openCliStore, type GlobalOptions } from '../context.ts';
import { resolveRedisUrl } from '../executors.ts';

/**
 * `hpo enqueue <task-id> --queue Q`: moves a draft (or a failed or stopped task) to queued and
 * adds its job to Q for an agent. A completed task is final: clone it first. Warns when no
 * agent listens to Q right now, or when the store is a folder agents elsewhere cannot reach.
 */
export async function enqueueCommand(id: string, options: { queue?: string; redis?: string }, globals: GlobalOptions): Promise<void> {
  const { store, storeSpec } = await openCliStore(globals);
  const { enqueueTask, listAgents, DEFAULT_QUEUE } = await import('../../exec/queue/index.ts');
  const { connectRedis } = await import('../../store/redis/connection.ts');
  const queue = options.queue ?? DEFAULT_QUEUE;
  try {
    assertQueueName(queue);
    const task = await store.get(id);
    if (task.status === 'running' || task.status === 'completed') {
      throw new HpoError(
        'TASK_NOT_ENQUEUEABLE',
        `Task ${task.id} is ${task.status}: ${task.status === 'completed' ? 'a completed task is final' : 'it is running now'}. Clone it and enqueue the clone: hpo task clone ${task.id} --set ... then hpo enqueue <new-id> --queue ${queue}.`,
      );
    }
    if (task.status !== 'queued') await store.setStatus(task.id, 'queued', { expect: [task.status], reason: `enqueued on ${queue}` });
    const redisUrl = resolveRedisUrl(undefined, storeSpec, options.redis);
    const prefix = process.env.HPO_REDIS_PREFIX;
    await enqueueTask({ redisUrl, prefix, queue, kind: task.type === 'controller' ? 'controller' : 'trial', taskId: task.id, storeSpec });
    logLine(globals, 'info', `task ${task.id} queued on "${queue}" (${redactUrl(redisUrl)})`);
    if (!/^rediss?:\/\//.test(storeSpec)) logLine(globals, 'warn', `the store ${storeSpec} is a local folder: only agents on this machine can reach it. Use --store redis://... for agents elsewhere.`);
    const redis = await connectRedis(redisUrl, { maxRetriesPerRequest: 1 });
    try {
      if (!(await listAgents(redis, prefix)).some((a) => a.queues.includes(queue))) {
        logLine(globals, 'warn', `no agent listens to queue "${queue}" now; the task waits until one does: hpo agent --queue ${queue}`);
      }
    } finally {
      await redis.quit().catch(() => redis.disconnect());
    }
    process.stdout.write(`${task.id}\n`);
  } finally {
    await store.close();
  }
}

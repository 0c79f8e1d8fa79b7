import type { TaskStore } from '../core/index.ts';
import type { StudyConfig } from '../config/index.ts';
import type { Executor, ExecutorEvents } from '../study/index.ts';
import { LocalExecutor } from '../exec/local/local-executor.ts';
import { CHILD_ENTRY } from '../worker/index.ts';

/**
 * The Redis a queue talks to: the config's `execution.redisUrl`, else `--redis`, else
 * $REDIS_URL, else the store's URL when the store is Redis, else the local default.
 */
export function resolveRedisUrl(config: StudyConfig | undefined, storeSpec: string, flag?: string): string {
  const fromConfig = config?.execution.type === 'queue' ? config.execution.redisUrl : undefined;
  const fromStore = /^rediss?:\/\//.test(storeSpec) ? storeSpec : undefined;
  return fromConfig ?? flag ?? process.env.REDIS_URL ?? fromStore ?? 'redis://127.0.0.1:6379';
}

/**
 * Builds the executor a study's config names: local child processes or a BullMQ queue. With a
 * queue, `warn` hears once when no agent has listened to it for 30 s (it would wait silently).
 * `preload` (the trials' trainer type) starts a local executor's spare at once, so the study's
 * first trial starts loaded too.
 */
export async function makeExecutor(
  store: TaskStore, storeSpec: string, config: StudyConfig, events: ExecutorEvents,
  { warn, preload }: { warn?: (message: string) => void; preload?: string } = {},
): Promise<Executor> {
  const { execution, budget } = config;
  if (execution.type === 'local') {
    return new LocalExecutor({
      store,
      storeSpec,
      childEntry: CHILD_ENTRY,
      concurrency: budget.concurrency,
      timeoutMs: budget.trialTimeout,
      stallMs: budget.stallTimeout,
      graceMs: execution.graceSeconds * 1000,
      events,
      preload,
    });
  }
  const { QueueExecutor } = await import('../exec/queue/index.ts');
  const executor = await QueueExecutor.open({
    store,
    storeSpec,
    redisUrl: resolveRedisUrl(config, storeSpec),
    prefix: execution.prefix ?? process.env.HPO_REDIS_PREFIX,
    queue: execution.queue,
    capacity: budget.concurrency,
    limits: { trialTimeoutMs: budget.trialTimeout, stallTimeoutMs: budget.stallTimeout },
    events,
  });
  if (!warn) return executor;
  const { warnWithoutListeners } = await import('./no-agent-warning.ts');
  return warnWithoutListeners(executor, resolveRedisUrl(config, storeSpec), execution.prefix ?? process.env.HPO_REDIS_PREFIX, execution.queue, storeSpec, warn);
}

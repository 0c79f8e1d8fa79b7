import type { Executor } from '../study/index.ts';
import { closeRedis, connectRedis, redactUrl } from '../store/redis/connection.ts';
import { watchQueueListeners } from '../exec/queue/index.ts';

/** How long a queue may go without a listening agent before `hpo run --queue` says so. */
export const NO_AGENT_WARNING_MS = Number(process.env.HPO_NO_AGENT_WARNING_MS ?? 30_000);

/**
 * Wraps a queue executor so `warn` hears once when no agent has listened to `queue` for
 * NO_AGENT_WARNING_MS, with the command that starts one; the watch ends with the executor.
 */
export async function warnWithoutListeners(
  executor: Executor,
  redisUrl: string,
  prefix: string | undefined,
  queue: string,
  storeSpec: string,
  warn: (message: string) => void,
): Promise<Executor> {
  const redis = await connectRedis(redisUrl, { maxRetriesPerRequest: 1 });
  const stop = watchQueueListeners(redis, {
    prefix,
    queue,
    afterMs: NO_AGENT_WARNING_MS,
    everyMs: Math.min(5_000, Math.max(200, NO_AGENT_WARNING_MS / 4)),
    onSilent: (ms) =>
      warn(`no agent has listened to queue "${queue}" for ${Math.round(ms / 1000)} s; trials wait there until one does: hpo --store ${/^rediss?:\/\//.test(storeSpec) ? redactUrl(storeSpec) : storeSpec} agent --queue ${queue}`),
  });
  const close = executor.close.bind(executor);
  executor.close = async () => {
    stop();
    await closeRedis(redis);
    await close();
  };
  return executor;
}

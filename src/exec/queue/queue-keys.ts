import { ConfigError, QUEUE_NAME_RULE, isQueueName } from '../../core/index.ts';
import { DEFAULT_PREFIX } from '../../store/redis/keys.ts';

/**
 * Every name this module puts into Redis is built here: queue names, BullMQ's key prefix and
 * job ids. BullMQ builds its own keys as `<bullPrefix>:<queue>:<suffix>`; giving it
 * `<prefix>q` keeps them apart from the task store's `<prefix>task:...` keys even when both
 * share a Redis and a prefix.
 */

/** Queue trials go to when the config names none (`execution.queue`). */
export const DEFAULT_QUEUE = 'default';

/** Throws ConfigError unless `name` is a usable queue name (BullMQ forbids `:` in names). */
export function assertQueueName(name: unknown): asserts name is string {
  if (!isQueueName(name)) throw new ConfigError(`Invalid queue name ${JSON.stringify(name)}: ${QUEUE_NAME_RULE}.`);
}

/** BullMQ's `prefix` option for our key prefix (default `hpo:` -> `hpo:q`). */
export function bullPrefix(prefix: string = DEFAULT_PREFIX): string {
  return prefix.endsWith(':') ? `${prefix}q` : `${prefix}:q`;
}

/**
 * The BullMQ job id of a task: the task id itself, so adding the same task twice is a no-op.
 * BullMQ refuses ids that read as integers (`"123"`), so those get a `n.` mark; task ids
 * never contain `.`, so the mapping cannot collide.
 */
export function jobIdFor(taskId: string): string {
  return String(Number.parseInt(taskId, 10)) === taskId ? `n.${taskId}` : taskId;
}

/** Inverse of jobIdFor. */
export function taskIdOfJob(jobId: string): string {
  return jobId.startsWith('n.') ? jobId.slice(2) : jobId;
}

/** Our prefix with exactly one trailing `:`, for keys we build ourselves. */
function withColon(prefix: string = DEFAULT_PREFIX): string {
  return prefix.endsWith(':') ? prefix : `${prefix}:`;
}

/**
 * The Redis LIST holding a queue's waiting job ids, as BullMQ names it (`<bullPrefix>:<queue>:wait`,
 * e.g. `hpo:q:gpu:wait`): what a KEDA redis-lists trigger measures.
 */
export function waitListKey(queue: string, prefix?: string): string {
  assertQueueName(queue);
  return `${bullPrefix(prefix)}:${queue}:wait`;
}

/** The Redis LIST of a queue's running jobs (`<bullPrefix>:<queue>:active`). */
export function activeListKey(queue: string, prefix?: string): string {
  assertQueueName(queue);
  return `${bullPrefix(prefix)}:${queue}:active`;
}

const AGENT_NAME = /^[A-Za-z0-9_.:@-]{1,128}$/;

/** Throws ConfigError unless `name` can name an agent (it becomes part of a Redis key). */
export function assertAgentName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !AGENT_NAME.test(name)) {
    throw new ConfigError(`Invalid agent name ${JSON.stringify(name)}: agent names are 1-128 characters of [A-Za-z0-9_.:@-], e.g. "gpu-box-1".`);
  }
}

/** The key of an agent's presence record (`<prefix>agent:<name>`), which expires unless the agent renews it. */
export function agentPresenceKey(name: string, prefix?: string): string {
  assertAgentName(name);
  return `${withColon(prefix)}agent:${name}`;
}

/** SCAN pattern of every agent presence record under `prefix`. */
export function agentPattern(prefix?: string): string {
  return `${escapeGlob(withColon(prefix))}agent:*`;
}

/** SCAN pattern of BullMQ's meta hash of every queue under `prefix`; queueOfMetaKey reads the name back. */
export function queueMetaPattern(prefix: string = DEFAULT_PREFIX): string {
  return `${escapeGlob(bullPrefix(prefix))}:*:meta`;
}

/** The queue name in a key matched by queueMetaPattern, or undefined when it is not one of ours. */
export function queueOfMetaKey(prefix: string = DEFAULT_PREFIX, key: string): string | undefined {
  const head = `${bullPrefix(prefix)}:`;
  if (!key.startsWith(head) || !key.endsWith(':meta')) return undefined;
  const name = key.slice(head.length, -':meta'.length);
  return isQueueName(name) ? name : undefined;
}


function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

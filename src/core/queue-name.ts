/**
 * The one rule for queue names, shared by the config schema and the queue code: BullMQ joins
 * names into Redis keys with `:`, and agents, autoscalers and Kubernetes manifests repeat them,
 * so they stay short and plain.
 */
export const QUEUE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The rule in words, for error messages. */
export const QUEUE_NAME_RULE = 'queue names are 1-64 characters of [A-Za-z0-9_-], e.g. "gpu" or "services"';

export function isQueueName(name: unknown): name is string {
  return typeof name === 'string' && QUEUE_NAME.test(name);
}

/** Distributed execution on BullMQ: the queue executor, the agent, and enqueueing controller tasks. */
export { QueueExecutor, type QueueExecutorOptions } from './queue-executor.ts';
export { startAgent, type Agent, type AgentOptions } from './agent.ts';
export { closeOnSignals, type SignalOptions } from './signals.ts';
export { enqueueTask, type EnqueueOptions } from './enqueue.ts';
export { REQUEUE_REASON, REQUEUE_ENDING, ORPHAN_REASON, type AgentTaskRunner, type ControllerRunner, type AgentLog, type JobResult } from './job-processor.ts';
export { agentTiming, type AgentTiming } from './timing.ts';
export { DEFAULT_QUEUE, assertQueueName, bullPrefix, jobIdFor } from './queue-keys.ts';
export { parseJobPayload, jobPayloadSchema, type JobPayload, type JobKind } from './job-payload.ts';
export { listAgents, watchQueueListeners, type AgentPresence } from './presence.ts';
export { listQueues, type QueueSummary } from './queue-summary.ts';

import { z } from 'zod';
import { QUEUE_NAME, QUEUE_NAME_RULE, type Task, type TaskStore } from '../../core/index.ts';
import { parseSetFlags } from '../../config/set-params.ts';
import { stopTask, type StopOutcome } from '../../study/stop-task.ts';

/** The clone form's body: `set` entries are `section/name=value`, parsed exactly as `hpo train --set` parses them. */
export const cloneBodySchema = z.strictObject({
  set: z.array(z.string()).max(1000).default([]),
  name: z.string().min(1).max(200).optional(),
  /** `draft`: only create it; `enqueue`: queued + a job on `queue`; `run`: queued + a child process of this server. */
  then: z.enum(['draft', 'enqueue', 'run']).default('draft'),
  queue: z.string().regex(QUEUE_NAME, { message: QUEUE_NAME_RULE }).default('default'),
});
export type CloneBody = z.output<typeof cloneBodySchema>;

export const stopBodySchema = z.strictObject({ reason: z.string().min(1).max(500).default('stopped from the UI') });

export interface ActionContext {
  store: TaskStore;
  storeSpec: string;
  /** The queue's Redis for `enqueue`. */
  redisUrl: string;
  queuePrefix?: string;
  /** Aborted when the server closes: locally run tasks stop with it. */
  signal: AbortSignal;
}

/** Stop a task or a study: the `hpo stop` rule. */
export function stopAction(ctx: ActionContext, id: string, body: z.output<typeof stopBodySchema>): Promise<StopOutcome> {
  return stopTask(ctx.store, id, body.reason);
}

/**
 * Clone `id` with the form's edits (as `hpo train <id> --set ...` does: parent = the source), then
 * leave it a draft, enqueue it for agents (`hpo agent --queue`), or run it in a child process here.
 */
export async function cloneAction(ctx: ActionContext, id: string, body: CloneBody): Promise<Task> {
  const base = await ctx.store.get(id);
  const params = { ...base.params, ...parseSetFlags(body.set, base.params) };
  const task = await ctx.store.clone(base.id, { params, parent: base.id, name: body.name, status: body.then === 'draft' ? 'draft' : 'queued' });
  if (body.then === 'enqueue') {
    const { enqueueTask } = await import('../../exec/queue/enqueue.ts');
    await enqueueTask({ redisUrl: ctx.redisUrl, prefix: ctx.queuePrefix, queue: body.queue, kind: 'trial', taskId: task.id, storeSpec: ctx.storeSpec });
  } else if (body.then === 'run') {
    const [{ runInChild }, { CHILD_ENTRY }] = await Promise.all([import('../../exec/local/run-in-child.ts'), import('../../worker/index.ts')]);
    // Not awaited: the task's progress shows through the store like any other task's.
    void runInChild(task, { store: ctx.store, storeSpec: ctx.storeSpec, childEntry: CHILD_ENTRY, signal: ctx.signal });
  }
  return task;
}

import { isFinal, type TaskStore, type TaskType } from '../core/index.ts';
import { StatusConflictError } from '../store/errors.ts';

/** What `stopTask` did: nothing (already final), stopped a task that had not started, or asked a running one. */
export type StopOutcome =
  | { kind: 'already-ended'; status: string }
  | { kind: 'stopped-now' }
  | { kind: 'requested'; type: TaskType };

/**
 * Stops a task the one way `hpo stop` and the UI both do: a draft or a queued trial is stopped
 * now (compare-and-set, so a trial that starts meanwhile gets a stop request instead); a running
 * trial or any controller gets a stop request it honours at its next epoch boundary.
 */
export async function stopTask(store: TaskStore, id: string, reason: string): Promise<StopOutcome> {
  const task = await store.get(id);
  if (isFinal(task.status)) return { kind: 'already-ended', status: task.status };
  if (task.status === 'draft' || (task.status === 'queued' && task.type === 'training')) {
    try {
      await store.setStatus(id, 'stopped', { reason, expect: ['draft', 'queued'] });
      return { kind: 'stopped-now' };
    } catch (error) {
      if (!(error instanceof StatusConflictError)) throw error;
    }
  }
  await store.requestStop(id, reason);
  return { kind: 'requested', type: task.type };
}

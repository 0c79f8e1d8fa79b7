import { isFinal } from '../../core/index.ts';
import { logLine, openCliStore, type GlobalOptions } from '../context.ts';

/**
 * `hpo stop <id>`: records a stop request. A running trial stops at its next epoch boundary; a
 * controller stops its running trials and ends `stopped`. A task that has not started is stopped now.
 */
export async function stopCommand(id: string, options: { reason: string }, globals: GlobalOptions): Promise<void> {
  const { store } = await openCliStore(globals);
  const task = await store.get(id);
  if (isFinal(task.status)) {
    logLine(globals, 'info', `task ${id} already ended: ${task.status}`);
  } else if (task.status === 'draft' || (task.status === 'queued' && task.type === 'training')) {
    await store.setStatus(id, 'stopped', { reason: options.reason, expect: ['draft', 'queued'] });
    logLine(globals, 'info', `task ${id} stopped before it started`);
  } else {
    await store.requestStop(id, options.reason);
    logLine(globals, 'info', `stop requested for ${task.type} ${id}; it stops at its next epoch boundary`);
  }
  await store.close();
}

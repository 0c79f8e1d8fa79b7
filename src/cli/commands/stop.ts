import { stopTask } from '../../study/stop-task.ts';
import { logLine, openCliStore, type GlobalOptions } from '../context.ts';

/**
 * `hpo stop <id>`: records a stop request. A running trial stops at its next epoch boundary; a
 * controller stops its running trials and ends `stopped`. A task that has not started is stopped now.
 */
export async function stopCommand(id: string, options: { reason: string }, globals: GlobalOptions): Promise<void> {
  const { store } = await openCliStore(globals);
  const outcome = await stopTask(store, id, options.reason);
  if (outcome.kind === 'already-ended') logLine(globals, 'info', `task ${id} already ended: ${outcome.status}`);
  else if (outcome.kind === 'stopped-now') logLine(globals, 'info', `task ${id} stopped before it started`);
  else logLine(globals, 'info', `stop requested for ${outcome.type} ${id}; it stops at its next epoch boundary`);
  await store.close();
}

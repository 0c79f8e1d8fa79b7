import { isFinal } from '../../core/index.ts';
import { buildLeaderboard } from '../../study/index.ts';
import { logLine, openCliStore, type GlobalOptions } from '../context.ts';
import { renderLeaderboard } from '../render/leaderboard-table.ts';

/** `hpo top <controller-id>`: the leaderboard; with --watch, redrawn until the study ends. */
export async function topCommand(id: string, options: { watch?: boolean; json?: boolean }, globals: GlobalOptions): Promise<void> {
  const { store } = await openCliStore(globals);
  const task = await store.get(id);
  if (task.type !== 'controller') {
    // Not a study: show what it is (a trial or a template) rather than fail.
    await store.close();
    logLine(globals, 'info', `${id} is a ${task.type} task, not a study; showing the task${task.parent ? ` (its study: \`hpo top ${task.parent}\`)` : ''}`);
    const { tasksShowCommand } = await import('./tasks.ts');
    return tasksShowCommand(id, { json: options.json }, globals);
  }
  for (;;) {
    const board = await buildLeaderboard(store, id);
    const text = options.json ? JSON.stringify(board, null, 2) + '\n' : renderLeaderboard(board);
    const done = isFinal(board.status as never);
    if (!options.watch || done) {
      process.stdout.write(text);
      break;
    }
    process.stdout.write((process.stdout.isTTY ? '\x1b[2J\x1b[H' : '') + text);
    await new Promise((r) => setTimeout(r, 2000));
  }
  await store.close();
}

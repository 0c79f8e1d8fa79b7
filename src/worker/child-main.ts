/**
 * Entry of a local trial's child process: `node --import tsx child-main.ts <store> <task-id>`.
 * Runs the task with the store-writing runner; console lines go to stdout, which the parent
 * captures into the task's log. Talks to the parent over IPC (src/exec/local/protocol.ts):
 * `started` / `report` / `finished` out, `stop` in. Exits when the parent goes away, so no trial
 * outlives its controller.
 */
import { openStore } from '../store/index.ts';
import { assertTaskId } from '../store/task-id.ts';
import { createTaskRunner } from './run-task.ts';
import { parseToChild, type ToParent } from '../exec/local/protocol.ts';
import type { Ending } from '../core/index.ts';
import { openArtifactStores, resolveArtifactSpec } from '../artifacts/index.ts';

const [storeSpec, taskId] = process.argv.slice(2);
const send = (message: ToParent): void => {
  // A callback keeps a send on a closing channel from becoming an uncaught 'error'.
  if (process.connected) process.send?.(message, () => {});
};

async function main(): Promise<number> {
  assertTaskId(taskId);
  const store = await openStore(storeSpec);
  // The parent passes its choice down as HPO_ARTIFACTS; without one, the default beside the store.
  const artifacts = await openArtifactStores(resolveArtifactSpec({ storeSpec }));
  const abort = new AbortController();
  const stop = (ending: Ending): void => abort.abort(ending);
  process.on('message', (raw: unknown) => {
    const message = parseToChild(raw);
    if (message?.type === 'stop') stop(message.ending);
  });
  process.on('disconnect', () => {
    // Lost to infrastructure (its controller died): a resumed study does not count it.
    stop({ kind: 'interrupted', reason: 'interrupted: its controller went away' });
    setTimeout(() => process.exit(70), 2000).unref();
  });
  // The controller decides about Ctrl-C (stop at the epoch boundary, or kill on the second one).
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => stop({ kind: 'stopped', reason: 'terminated' }));
  const runner = createTaskRunner(store, { log: (_id, line) => process.stdout.write(line + '\n'), artifacts });
  send({ type: 'started' });
  const outcome = await runner(taskId, {
    signal: abort.signal,
    onReport: (step, scalars) => send({ type: 'report', step, scalars }),
  });
  await Promise.all([store.close(), artifacts.close()]);
  send({ type: 'finished', outcome });
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
    if (process.connected) process.disconnect();
  },
  (error: Error) => {
    process.stderr.write(`${error.name}: ${error.message}\n`);
    process.exit(1);
  },
);

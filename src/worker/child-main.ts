/**
 * Entry of a local trial's child process: `node --import tsx child-main.ts <store> <task-id>`.
 * Runs the task with the store-writing runner; console lines go to stdout, which the parent
 * captures into the task's log. Talks to the parent over IPC: `started` / `report` out,
 * `stop` in. Exits when the parent goes away, so no trial outlives its controller.
 */
import { openStore } from '../store/index.ts';
import { assertTaskId } from '../store/task-id.ts';
import { createTaskRunner } from './run-task.ts';
import { TrialFailedError } from '../core/index.ts';
import { ArtifactStores, openArtifactStore, resolveArtifactSpec } from '../artifacts/index.ts';

const [storeSpec, taskId] = process.argv.slice(2);
const send = (message: unknown): void => {
  // A callback keeps a send on a closing channel from becoming an uncaught 'error'.
  if (process.connected) process.send?.(message, () => {});
};

async function main(): Promise<number> {
  assertTaskId(taskId);
  const store = await openStore(storeSpec);
  // The parent exports its choice as HPO_ARTIFACTS; without one, the default beside the store.
  const artifacts = new ArtifactStores(await openArtifactStore(resolveArtifactSpec({ storeSpec })));
  const abort = new AbortController();
  process.on('message', (message: { type?: string; reason?: string; fail?: boolean }) => {
    if (message?.type !== 'stop') return;
    const reason = message.reason ?? 'stop requested';
    // A failing stop (timeout) travels as a TrialFailedError so the runner records `failed`.
    abort.abort(message.fail ? new TrialFailedError(reason) : reason);
  });
  process.on('disconnect', () => {
    // `interrupted` marks it as lost to infrastructure: a resumed study does not count it.
    abort.abort('interrupted: its controller went away');
    setTimeout(() => process.exit(70), 2000).unref();
  });
  process.on('SIGTERM', () => abort.abort('terminated'));
  const runner = createTaskRunner(store, { log: (_id, line) => process.stdout.write(line + '\n'), artifacts });
  send({ type: 'started' });
  const outcome = await runner(taskId, {
    signal: abort.signal,
    onReport: (step, scalars) => send({ type: 'report', step, scalars }),
  });
  await store.close();
  await artifacts.close();
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

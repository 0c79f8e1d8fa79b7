/**
 * A local trial's child process, once child-main.ts has started the trainer's early work: runs
 * the task with the store-writing runner; console lines go to stdout, which the parent captures
 * into the task's log. Talks to the parent over IPC (src/exec/local/protocol.ts): `idle` /
 * `started` / `report` / `finished` out, `run` / `stop` in. A spare is loaded ahead of need (with
 * the trainer the previous trial used): it says `idle` and runs the task the next `run` names.
 * Exits when the parent goes away, so no trial outlives its controller.
 */
import { openStore } from '../store/index.ts';
import { assertTaskId } from '../store/task-id.ts';
import { createTaskRunner } from './run-task.ts';
import { getTrainer } from './trainer-registry.ts';
import { captureEnvironment } from './environment.ts';
import { parseToChild, TASK_ASSIGNED_MARK, type ToParent } from '../exec/local/protocol.ts';
import type { Ending } from '../core/index.ts';
import { openArtifactStores, resolveArtifactSpec } from '../artifacts/index.ts';

const [storeSpec, taskArg, trainerType] = process.argv.slice(2);
const argTaskId = taskArg === '--spare' ? undefined : taskArg;
const send = (message: ToParent): void => {
  // A callback keeps a send on a closing channel from becoming an uncaught 'error'.
  if (process.connected) process.send?.(message, () => {});
};

async function main(): Promise<number> {
  if (argTaskId !== undefined) assertTaskId(argTaskId);
  const abort = new AbortController();
  const stop = (ending: Ending): void => abort.abort(ending);
  let assigned: (taskId: string | undefined) => void = () => {};
  const assignment = new Promise<string | undefined>((resolve) => (assigned = resolve));
  process.on('message', (raw: unknown) => {
    const message = parseToChild(raw);
    if (message?.type === 'stop') stop(message.ending);
    if (message?.type === 'run') {
      performance.mark(TASK_ASSIGNED_MARK);
      assigned(message.taskId);
    }
  });
  // Listening before the first await: a controller that dies while this process starts must
  // still stop it (a missed 'disconnect' left an orphan training to its last epoch).
  const onDisconnect = (): void => {
    // Lost to infrastructure (its controller died): a resumed study does not count it.
    stop({ kind: 'interrupted', reason: 'interrupted: its controller went away' });
    assigned(undefined);
    setTimeout(() => process.exit(70), 2000).unref();
  };
  process.on('disconnect', onDisconnect);
  // False (not undefined, which means no channel at all) when it closed before this listener.
  if (process.connected === false) onDisconnect();
  // The controller decides about Ctrl-C (stop at the epoch boundary, or kill on the second one).
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {
    stop({ kind: 'stopped', reason: 'terminated' });
    assigned(undefined);
  });
  const store = await openStore(storeSpec);
  // The parent passes its choice down as HPO_ARTIFACTS; without one, the default beside the store.
  const artifacts = await openArtifactStores(resolveArtifactSpec({ storeSpec }));
  const runner = createTaskRunner(store, { log: (_id, line) => process.stdout.write(line + '\n'), artifacts });
  if (argTaskId === undefined) {
    // Loading the trainer is most of a trial's start-up (TensorFlow.js for YOLOv5), then its own
    // preload and the environment record (cached for this folder; it describes the code this
    // process loaded). A wrong type or a failing preload fails in the trial, not here.
    if (trainerType) await Promise.all([captureEnvironment(process.cwd()), getTrainer(trainerType).then((t) => t.preload?.())]).catch(() => {});
    send({ type: 'idle' });
  }
  const taskId = argTaskId ?? (await assignment);
  if (taskId === undefined) {
    // A spare that was never given a task: nothing to record.
    await Promise.all([store.close(), artifacts.close()]);
    return 0;
  }
  assertTaskId(taskId);
  process.env.HPO_TASK_ID = taskId;
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

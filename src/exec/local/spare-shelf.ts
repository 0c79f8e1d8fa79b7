import type { ChildProcess } from 'node:child_process';
import { parseToParent, type ToChild, type ToParent } from './protocol.ts';

/** A spare that is not loaded by then is dropped and the trial forks its own child. */
const SPARE_READY_MS = 30_000;

/** A spare child: `ready` is true once it says `idle`, false when it died or took too long. */
interface Spare {
  child: ChildProcess;
  ready: Promise<boolean>;
}

/**
 * Trial processes forked ahead of need (`child-main <store> --spare <trainer-type>`), one per key:
 * a local executor keeps one for its next trial, an agent one per slot (the key is the slot's
 * environment, so a spare only ever runs on the GPU it was forked for). A spare loads its trainer
 * while the current trial runs, so the next trial starts without Node's and the trainer's start-up.
 */
export class SpareShelf {
  private readonly spares = new Map<string, Spare>();
  private closed = false;

  /** Forks a spare under `key` (replacing nothing: the key's spare was taken first). */
  stock(key: string, fork: () => ChildProcess): void {
    if (this.closed || this.spares.has(key)) return;
    const child = fork();
    // A spare that cannot start is simply not used; the trial that would have taken it forks its own.
    child.on('error', () => {});
    this.spares.set(key, { child, ready: untilMessage(child, 'idle', SPARE_READY_MS) });
  }

  /**
   * The key's spare, running `taskId`, or undefined when there is none that is alive and loaded.
   * It is handed over only once it says `started` (milliseconds for a loaded process): a spare
   * that died unseen (the OOM killer) must not take a trial down with it.
   */
  async take(key: string, taskId: string): Promise<ChildProcess | undefined> {
    const spare = this.spares.get(key);
    this.spares.delete(key);
    if (!spare) return undefined;
    if ((await spare.ready) && spare.child.connected) {
      const { child } = spare;
      const started = untilMessage(child, 'started');
      const message: ToChild = { type: 'run', taskId };
      child.send(message, () => {});
      if (await started) return child;
    }
    await killChild(spare.child);
    return undefined;
  }

  /** Kills every spare and stocks no more. */
  async close(): Promise<void> {
    this.closed = true;
    const spares = [...this.spares.values()];
    this.spares.clear();
    await Promise.all(spares.map((s) => killChild(s.child)));
  }
}

/** True once the child sends a `type` message, false if it exits first (or `timeoutMs` passes). */
function untilMessage(child: ChildProcess, type: ToParent['type'], timeoutMs?: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(ok);
    };
    const onMessage = (raw: unknown): void => {
      if (parseToParent(raw)?.type === type) done(true);
    };
    const onExit = (): void => done(false);
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => done(false), timeoutMs);
    timer?.unref();
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** SIGKILL and wait for the exit (an idle spare holds no state worth a grace period). */
async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

import { fork, type ChildProcess } from 'node:child_process';
import { isFinal, settlesWithin, statusOfEnding, type Task, type TaskStore } from '../../core/index.ts';
import type { Executor, ExecutorEvents, StopEnding, TrialOutcome } from '../../study/executor.ts';
import { LogCapture } from './log-capture.ts';
import { parseToParent, type ToChild } from './protocol.ts';
import { SpareShelf } from './spare-shelf.ts';
import { startWatchdog, type Watchdog } from '../watchdog.ts';

const TSX_LOADER = import.meta.resolve('tsx');
/** How long `close` waits for the outcomes of the trials it stopped to reach the store. */
const RECORD_ON_CLOSE_MS = 5_000;

export interface LocalExecutorOptions {
  store: TaskStore;
  /** How the child opens the same store (a folder path). */
  storeSpec: string;
  /** Module the child runs with `<storeSpec> <taskId>` (the trainers' child entry). */
  childEntry: string;
  concurrency: number;
  /** Per-trial wall time; the trial is stopped, then marked failed with a `timeout` ending. */
  timeoutMs?: number;
  /** No report and no console output for this long: stopped the same way (a stalled trainer). */
  stallMs?: number;
  /** Between a stop message and SIGTERM, and again before SIGKILL. */
  graceMs: number;
  events: ExecutorEvents;
  env?: NodeJS.ProcessEnv;
  /** Called on each chunk of a trial's console output. */
  onOutput?: () => void;
  /**
   * Keep one child forked ahead of need, loaded with the trainer the last trial used, so the next
   * trial starts without paying for Node's and the trainer's start-up. Default true; a one-off
   * task (`hpo train`) has no next trial. A caller's shelf keeps the spare beyond this executor,
   * under `key` (an agent's slot, whose jobs each get an executor of their own).
   */
  spare?: boolean | { shelf: SpareShelf; key: string };
  /** A trainer type to fork the spare with at once (a study's), so the first trial starts loaded too; else the first trial forks its own. */
  preload?: string;
}

interface Running {
  child: ChildProcess;
  logs: LogCapture;
  stop?: StopEnding;
  /** Set by `kill`: the ending recorded whatever the child managed to write. */
  killed?: StopEnding;
  timers: NodeJS.Timeout[];
  watchdog?: Watchdog;
  /** Resolves when the child process is gone. */
  exited: Promise<unknown>;
  /** Settles once the exit is handled (outcome recorded, `finished` sent). */
  handled: Promise<void>;
}

/**
 * Forks a trial process: `childEntry <store> <task-id> <trainer-type>`, or `<store> --spare <trainer-type>`,
 * with `base.env` and then `env` over this process's environment.
 */
export function forkTrialProcess(base: Pick<LocalExecutorOptions, 'childEntry' | 'storeSpec' | 'env'>, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return fork(base.childEntry, [base.storeSpec, ...args], {
    // A .ts entry (tests run the sources) needs tsx, resolved from this package so trials run
    // from any working directory; the built .js entry runs on plain Node.
    execArgv: base.childEntry.endsWith('.ts') ? ['--import', TSX_LOADER] : [],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // TensorFlow takes most of a GPU's memory when it starts. A spare starts TF.js (its preload) on
    // the slot's GPU while the slot's job still trains there, so trials grow their share as they
    // need it instead; a value the user set wins.
    env: { TF_FORCE_GPU_ALLOW_GROWTH: 'true', ...process.env, ...base.env, ...env },
    // Its own process group: the terminal's SIGINT goes to the controller, not the trials.
    // The child still exits when its IPC channel closes, so it never outlives the controller.
    detached: true,
  });
}

/**
 * Runs each trial in its own child process (one per core by default: the TF.js WASM backend is
 * single-threaded). Children run in their own process group, so a terminal's Ctrl-C (SIGINT to
 * the foreground group) reaches the controller only, which then stops them at an epoch
 * boundary. The child records its own status; when it dies without doing so (crash, exit,
 * kill, timeout) the executor records why.
 */
export class LocalExecutor implements Executor {
  readonly name = 'local';
  readonly capacity: number;
  private readonly running = new Map<string, Running>();
  /** Where the spare waits: our own shelf (closed with us), a caller's, or none. */
  private readonly spares?: { shelf: SpareShelf; key: string; own: boolean };
  private closed = false;

  constructor(private readonly options: LocalExecutorOptions) {
    this.capacity = options.concurrency;
    const { spare = true } = options;
    if (spare === true) this.spares = { shelf: new SpareShelf(), key: '', own: true };
    else if (spare) this.spares = { ...spare, own: false };
    const { spares } = this;
    if (spares && options.preload) spares.shelf.stock(spares.key, () => this.fork(['--spare', options.preload!]));
  }

  async submit(task: Task): Promise<void> {
    const { options } = this;
    const { spares } = this;
    const spare = await spares?.shelf.take(spares.key, task.id);
    const child = spare ?? this.fork([task.id, task.trainer.type], { HPO_TASK_ID: task.id });
    if (spares && !this.closed) spares.shelf.stock(spares.key, () => this.fork(['--spare', task.trainer.type]));
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));
    const entry: Running = { child, logs: new LogCapture(options.store, task.id), timers: [], exited, handled: exited.then(([code, signal]) => this.onExit(task.id, entry, code, signal)) };
    this.running.set(task.id, entry);
    const output = (chunk: Buffer): void => {
      entry.logs.write(chunk);
      entry.watchdog?.activity();
      options.onOutput?.();
    };
    child.stdout?.on('data', output);
    child.stderr?.on('data', output);
    const started = (): void => {
      this.startTimeout(task.id, entry);
      options.events.started(task.id);
    };
    child.on('message', (raw: unknown) => {
      const message = parseToParent(raw);
      if (message?.type === 'started') started();
      else if (message?.type === 'report') {
        entry.watchdog?.activity();
        options.events.reported(task.id, message.step, message.scalars);
      }
    });
    // Spawn and IPC errors (EPIPE on a closing channel) end up in the task's log, never as a crash.
    child.on('error', (error) => entry.logs.write(`trial process error: ${error.message}\n`));
    // A spare said `started` before it was handed over.
    if (spare) started();
  }

  private fork(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
    return forkTrialProcess(this.options, args, env);
  }

  async stop(taskId: string, ending: StopEnding): Promise<void> {
    const entry = this.running.get(taskId);
    if (!entry || entry.stop) return;
    entry.stop = ending;
    const { child } = entry;
    // The child may be closing its channel right now; a failed send must not crash the controller
    // (the grace-period signals below still stop it).
    const message: ToChild = { type: 'stop', ending };
    if (child.connected) child.send(message, () => {});
    entry.timers.push(
      setTimeout(() => {
        child.kill('SIGTERM');
        entry.timers.push(setTimeout(() => child.kill('SIGKILL'), this.options.graceMs));
      }, this.options.graceMs),
    );
  }

  async kill(taskId: string, ending: StopEnding): Promise<void> {
    const entry = this.running.get(taskId);
    if (!entry || entry.killed) return;
    entry.killed = ending;
    entry.child.kill('SIGKILL');
  }

  /** The trial's clocks start when its process is up, so a loaded machine's slow start-up is not the trial's fault. */
  private startTimeout(taskId: string, entry: Running): void {
    const limits = { trialTimeoutMs: this.options.timeoutMs, stallTimeoutMs: this.options.stallMs };
    entry.watchdog = startWatchdog(limits, (error) => void this.stop(taskId, { kind: 'timeout', reason: error.message }));
  }

  /** Local children die with their controller, so after a restart nothing is alive. */
  async isAlive(task: Task): Promise<boolean> {
    return this.running.has(task.id);
  }

  /**
   * Stops what still runs, waits until every child is gone, then a little for their outcomes
   * to be recorded. It holds the promises, never waits for a new `exit` event: a child that
   * exited while its outcome was being recorded (a slow or failing store) has fired it already.
   * Recording is bounded because the study may be closing on a store that is unreachable.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.spares?.own) await this.spares.shelf.close();
    const entries = [...this.running.values()];
    for (const id of this.running.keys()) await this.stop(id, { kind: 'interrupted', reason: 'interrupted: its controller closed' });
    await Promise.all(entries.map((e) => e.exited));
    await settlesWithin(Promise.all(entries.map((e) => e.handled)), RECORD_ON_CLOSE_MS);
  }

  private async onExit(taskId: string, entry: Running, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    entry.timers.forEach(clearTimeout);
    entry.watchdog?.stop();
    await entry.logs.close();
    const { store } = this.options;
    let outcome: TrialOutcome;
    try {
      const task = await store.get(taskId);
      if (isFinal(task.status)) {
        outcome = { status: task.status as TrialOutcome['status'], ending: task.ending ?? { kind: task.status as TrialOutcome['status'], reason: task.statusReason ?? task.status }, reason: task.statusReason };
      } else {
        outcome = this.exitOutcome(entry, code, signal);
        await store.setStatus(taskId, outcome.status, { reason: outcome.reason, ending: outcome.ending, expect: ['queued', 'running'] });
      }
    } catch (error) {
      const reason = `executor could not record the outcome: ${(error as Error).message}`;
      outcome = { status: 'failed', ending: { kind: 'failed', reason }, reason };
    }
    this.running.delete(taskId);
    this.options.events.finished(taskId, outcome);
  }

  private exitOutcome(entry: Running, code: number | null, signal: NodeJS.Signals | null): TrialOutcome {
    const ending = entry.killed
      ? entry.killed
      : entry.stop?.kind === 'timeout'
        ? entry.stop
        : entry.stop
          ? { kind: entry.stop.kind, reason: `${entry.stop.reason} (killed after ignoring the stop request)` }
          : { kind: 'failed' as const, reason: signal ? `trial process killed by ${signal}` : `trial process exited with code ${code}` };
    return { status: statusOfEnding(ending.kind), ending, reason: ending.reason };
  }
}


import { spawn } from 'node:child_process';
import { HpoError, TrialFailedError } from '../../core/index.ts';
import type { TrainerContext } from '../../worker/trainer.ts';
import { ArtifactUploads } from './artifacts.ts';
import { readResultsCsv } from './results-csv.ts';

/** One external training run, fully resolved: what to start, where, and what to read back. */
export interface CommandSpec {
  command: string;
  argv: string[];
  cwd: string;
  /** Added to the runner's environment (which carries the slot's CUDA_VISIBLE_DEVICES). */
  env: Record<string, string>;
  /** Absolute path of a YOLOv5-style results.csv to follow as it grows. */
  resultsCsv?: string;
  /** Absolute paths (a `*` allowed in the last segment) stored as artifacts as they settle and when the program ends. */
  artifacts: string[];
  stopSignal: 'SIGINT' | 'SIGTERM';
  graceMs: number;
  pollMs: number;
}

const REPORT_LINE = /^hpo:report (.*)$/;

/**
 * Runs `spec` without a shell, in its own process group so a stop reaches the dataloader
 * workers too (as Ctrl-C would). Scalars come from stdout lines `hpo:report {"step":N,"scalars":{...}}`
 * and from every complete row of the followed results.csv, each column under its own name.
 * `ctx.signal` sends `stopSignal`, then SIGKILL after the grace; epochs finished by then stay
 * reported. Its artifact files are uploaded as they are written (see ArtifactUploads) and once
 * more when it exits. Resolves when the program is gone and its artifacts are stored; a
 * non-zero exit without a stop fails the trial.
 */
export async function runCommand(spec: CommandSpec, ctx: TrainerContext): Promise<void> {
  ctx.log(`command: ${spec.command} ${spec.argv.map(quoteForLog).join(' ')} (in ${spec.cwd})`);
  const child = spawn(spec.command, spec.argv, {
    cwd: spec.cwd,
    shell: false,
    detached: true,
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  // A trial process that exits (its controller died) takes the training run with it.
  const onExit = (): void => signalGroup('SIGKILL');
  process.once('exit', onExit);

  let reported = -1;
  let chain = Promise.resolve();
  let failure: unknown;
  const report = (step: number, scalars: Record<string, number>): void => {
    if (step <= reported || failure) return;
    reported = step;
    chain = chain
      .then(() => ctx.reporter.report(step, scalars))
      .catch((error: unknown) => {
        // A bad report (NaN loss) fails the trial: the run stops like on a stop request.
        failure ??= error;
        stop();
      });
  };
  const followCsv = async (): Promise<void> => {
    if (!spec.resultsCsv) return;
    for (const row of await readResultsCsv(spec.resultsCsv)) report(row.epoch, row.scalars);
  };
  lines(child.stdout, (line) => {
    const match = REPORT_LINE.exec(line);
    if (!match) return ctx.log(line);
    try {
      const { step, scalars } = JSON.parse(match[1]) as { step: number; scalars: Record<string, number> };
      report(step, scalars);
    } catch {
      ctx.log(`ignored malformed report line: ${line}`);
    }
  });
  lines(child.stderr, (line) => ctx.log(line));
  const uploads = new ArtifactUploads(spec.artifacts, ctx);
  const poll = setInterval(() => {
    void followCsv().catch((error: unknown) => ctx.log(`cannot read ${spec.resultsCsv}: ${String(error)}`));
    void uploads.poll();
  }, spec.pollMs);
  let killTimer: NodeJS.Timeout | undefined;
  function stop(): void {
    if (killTimer) return;
    ctx.log(`stopping: ${spec.stopSignal}, SIGKILL after ${spec.graceMs / 1000} s`);
    signalGroup(spec.stopSignal);
    killTimer = setTimeout(() => signalGroup('SIGKILL'), spec.graceMs);
  }
  const onAbort = (): void => stop();
  if (ctx.signal.aborted) stop();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', (error) =>
      reject(new HpoError('COMMAND_FAILED', `cannot start ${JSON.stringify(spec.command)} in ${spec.cwd}: ${error.message}. Check the trainer's command (or python).`)),
    );
    child.once('close', (code, signal) => resolve({ code, signal }));
  }).finally(() => {
    clearInterval(poll);
    clearTimeout(killTimer);
    process.off('exit', onExit);
    ctx.signal.removeEventListener('abort', onAbort);
  });
  // Rows written just before the exit (the last epoch, or the one finished before a stop) count.
  await followCsv().catch(() => {});
  await chain;
  await uploads.finish();
  if (failure) throw failure;
  if (ctx.signal.aborted) return;
  if (exit.code !== 0) throw new TrialFailedError(`${spec.command} exited with ${exit.code ?? exit.signal}${reported < 0 ? ' before reporting an epoch' : ` after epoch ${reported}`}; see the task's log`);
}

function quoteForLog(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : JSON.stringify(arg);
}

function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    // tqdm redraws with carriage returns: keep the last state of each line.
    parts.forEach((l) => onLine(l.split('\r').filter(Boolean).at(-1) ?? ''));
  });
  stream.on('end', () => buffer && onLine(buffer));
}

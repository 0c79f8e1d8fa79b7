import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from '../helpers/temp.ts';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from the first `hpo:` error line on stderr to the process's exit (undefined: none). */
  errorToExitMs?: number;
}

export interface HpoOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Run as this unprivileged user (root ignores file modes). */
  asUser?: 'nobody';
  /** Generous: it catches a hang, it is not a speed assertion. */
  timeoutMs?: number;
}

/** Runs the real `hpo` binary to its end (or kills it at the timeout and says so). */
export function hpo(args: string[], options: HpoOptions): Promise<Run> {
  const child = start(args, options);
  return finish(child, options.timeoutMs ?? 180_000, args);
}

/** Starts `hpo` and returns the process; `finish` collects it. */
export function start(args: string[], options: HpoOptions): ChildProcess {
  const argv = [process.execPath, BIN, ...args];
  const [cmd, ...rest] = options.asUser ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', ...argv] : argv;
  return spawn(cmd, rest, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function finish(child: ChildProcess, timeoutMs: number, args: string[] = []): Promise<Run> {
  let stdout = '';
  let stderr = '';
  let errorAt: number | undefined;
  child.stdout!.on('data', (d: Buffer) => (stdout += d));
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d;
    if (errorAt === undefined && /^hpo: /m.test(stderr)) errorAt = Date.now();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hpo ${args.join(' ')} did not exit within ${timeoutMs} ms (hung).\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      // Let the pipes drain.
      setTimeout(() => resolve({ code, stdout, stderr, errorToExitMs: errorAt === undefined ? undefined : Date.now() - errorAt }), 50);
    });
  });
}

/** Polls `check` until it is true (a hang guard, not a timing assertion). */
export async function until(what: string, check: () => Promise<boolean> | boolean, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** stderr lines starting with `hpo:` (the CLI's error lines). */
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('hpo: '));
}

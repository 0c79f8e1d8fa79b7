import { spawn, type ChildProcess } from 'node:child_process';
import { ROOT } from './temp.ts';

/** Runs a TypeScript file in a child Node (tsx), collecting its stdout; `waitFor` resolves on a line. */
export function spawnTsx(file: string, args: string[], options: { env?: NodeJS.ProcessEnv; nodeArgs?: string[] } = {}) {
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', file, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    for (const w of waiters.splice(0)) (stdout.includes(w.text) ? w.resolve : () => waiters.push(w))();
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    exit,
    stdout: () => stdout,
    stderr: () => stderr,
    waitFor: (text: string) =>
      new Promise<void>((resolve, reject) => {
        if (stdout.includes(text)) return resolve();
        waiters.push({ text, resolve });
        void exit.then((code) => reject(new Error(`child exited (${code}) before printing "${text}": ${stderr.slice(-2000)}`)));
      }),
  };
}

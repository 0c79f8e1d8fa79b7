import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: child scripts run from here so `--import tsx` resolves. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export function tempDir(prefix = 'hpo-store-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Starts `node --import tsx fixtures/<script> ...args`, collecting stdout. */
export function spawnFixture(script: string, args: string[]): { child: ChildProcess; output: () => string; waitFor: (text: string) => Promise<void>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'test/store/fixtures', script), ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.splice(0)) (out.includes(w.text) ? w.resolve : () => waiters.push(w))();
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  const waitFor = (text: string) =>
    new Promise<void>((res, rej) => {
      if (out.includes(text)) return res();
      waiters.push({ text, resolve: res });
      void exit.then((code) => rej(new Error(`${script} exited (${code}) before printing "${text}"; stderr:\n${err}`)));
    });
  return { child, output: () => out, waitFor, exit };
}

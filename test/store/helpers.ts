import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnTsx } from '../helpers/spawn-tsx.ts';

/** The repository root: child scripts run from here so `--import tsx` resolves. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export function tempDir(prefix = 'hpo-store-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Starts `node --import tsx fixtures/<script> ...args`, collecting stdout (test/helpers/spawn-tsx.ts). */
export function spawnFixture(script: string, args: string[]): { child: ChildProcess; output: () => string; waitFor: (text: string) => Promise<void>; exit: Promise<number | null> } {
  const run = spawnTsx(join(repoRoot, 'test/store/fixtures', script), args);
  return { child: run.child, output: run.stdout, waitFor: run.waitFor, exit: run.exit };
}

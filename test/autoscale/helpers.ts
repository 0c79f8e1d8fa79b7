import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { TaskStore } from '../../src/core/index.ts';
import { readDecisions } from '../../src/autoscale/record.ts';
import type { LoggedDecision } from '../../src/autoscale/types.ts';
import { BIN } from '../helpers/temp.ts';

/** A child `hpo` process whose stderr is kept, so a failing test can show what it said. */
export function spawnHpo(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): ChildProcess & { output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return Object.assign(child, { output: () => output, exited });
}

/** The local provider's pid files in `dir`: the agents it believes it runs. */
export function pidFiles(dir: string): { name: string; pid: number }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => {
      try {
        return [JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { name: string; pid: number }];
      } catch {
        return [];
      }
    });
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** Decisions of the autoscaler record in `store` (there is one per test), oldest first. */
export async function decisions(store: TaskStore): Promise<LoggedDecision[]> {
  const [record] = await store.list({ type: 'autoscaler' });
  return record ? readDecisions(store, record.id) : [];
}

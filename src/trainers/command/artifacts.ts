import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { TrainerContext } from '../../worker/trainer.ts';

/**
 * Stores the files `patterns` name (absolute; `*` matches within the last segment) as task
 * artifacts under their base names. Missing files are skipped: a run stopped early or with
 * `--noplots` writes fewer. A store error is logged, not thrown: the metrics already count.
 */
export async function storeArtifacts(patterns: readonly string[], ctx: TrainerContext): Promise<string[]> {
  const stored: string[] = [];
  for (const file of (await Promise.all(patterns.map(expand))).flat()) {
    const name = path.basename(file);
    try {
      await ctx.putArtifact(name, await readFile(file));
      stored.push(name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') ctx.log(`artifact ${name} not stored: ${(error as Error).message}`);
    }
  }
  return stored;
}

async function expand(pattern: string): Promise<string[]> {
  const base = path.basename(pattern);
  if (!base.includes('*')) return [pattern];
  const dir = path.dirname(pattern);
  const regex = new RegExp(`^${base.split('*').map(escape).join('.*')}$`);
  try {
    return (await readdir(dir)).filter((n) => regex.test(n)).sort().map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

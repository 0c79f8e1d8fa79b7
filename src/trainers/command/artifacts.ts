import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { TrainerContext } from '../../worker/trainer.ts';

/**
 * Uploads an external program's output files (absolute patterns, `*` within the last segment)
 * as task artifacts under their base names, streamed from the trial folder, while the program
 * runs and once more when it ends. The program writes its files in place (train.py's
 * `torch.save`), so a file is uploaded only once it looks the same (size and mtime) on two
 * polls in a row: never half-written, and never twice in the same state. A store error is
 * logged, not thrown: the metrics already count.
 */
export class ArtifactUploads {
  /** File -> the state (size:mtime) last uploaded. */
  private readonly uploaded = new Map<string, string>();
  /** File -> the state seen at the previous poll. */
  private readonly seen = new Map<string, string>();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly patterns: readonly string[],
    private readonly ctx: TrainerContext,
  ) {}

  /** While the program runs: uploads the files that stayed unchanged since the last poll. */
  poll(): Promise<void> {
    return this.queue(false);
  }

  /** After the program ended: uploads every file not yet uploaded as it is now; returns the stored names. */
  async finish(): Promise<string[]> {
    await this.queue(true);
    const missing = this.patterns.filter((p) => !p.includes('*') && !this.uploaded.has(p));
    if (missing.length) this.ctx.log(`artifacts not written by the program: ${missing.map((p) => path.basename(p)).join(', ')}`);
    return [...this.uploaded.keys()].map((file) => path.basename(file));
  }

  private queue(final: boolean): Promise<void> {
    // One pass at a time: a slow upload never overlaps the next poll's.
    this.chain = this.chain.then(() => this.pass(final)).catch((error: unknown) => this.ctx.log(`artifacts not stored: ${(error as Error).message}`));
    return this.chain;
  }

  private async pass(final: boolean): Promise<void> {
    for (const file of (await Promise.all(this.patterns.map(expand))).flat()) {
      const st = await stat(file).catch(() => undefined);
      if (!st?.isFile()) continue;
      const state = `${st.size}:${st.mtimeMs}`;
      const settled = final || this.seen.get(file) === state;
      this.seen.set(file, state);
      if (!settled || this.uploaded.get(file) === state) continue;
      const name = path.basename(file);
      try {
        await this.ctx.putArtifactFile(name, file);
        this.uploaded.set(file, state);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.ctx.log(`artifact ${name} not stored: ${(error as Error).message}`);
      }
    }
  }
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

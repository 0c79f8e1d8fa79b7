import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { HpoError, TrialFailedError, type Params } from '../../core/index.ts';
import { parseOrThrow } from '../../core/parse-input.ts';
import type { Trainer, TrainerContext } from '../../worker/trainer.ts';
import { parseResultsCsv } from './results-csv.ts';

const optionsSchema = z.looseObject({
  type: z.literal('command'),
  /** Program to run, never through a shell (e.g. `python`). */
  command: z.string().min(1),
  /** Fixed arguments before the params (e.g. `["train.py", "--data", "coco128.yaml"]`). */
  args: z.array(z.string()).default([]),
  cwd: z.string().optional(),
  /** YOLOv5 results.csv to follow for per-epoch scalars (relative to cwd). */
  resultsCsv: z.string().optional(),
  /**
   * Files (relative to cwd) uploaded as task artifacts, under their base names, when the
   * program ends (e.g. `runs/train/exp/weights/best.pt`); missing ones are noted in the log.
   */
  artifacts: z.array(z.string().min(1)).default([]),
  /** Seconds between a stop request's SIGINT and SIGKILL. */
  graceSeconds: z.number().min(0).default(30),
});

/**
 * Runs an external trainer such as Ultralytics train.py. `args/<name>` params become
 * `--<name> <value>` flags; `hyp/<name>` params are written to a hyp.yaml passed as `--hyp`.
 * Scalars come from stdout lines `hpo:report {"step":N,"scalars":{...}}` or from a followed
 * results.csv. A stop request sends SIGINT at once (train.py saves and exits), SIGKILL after the grace.
 */
export const commandTrainer: Trainer = {
  type: 'command',
  async train(params: Params, ctx: TrainerContext): Promise<void> {
    const options = parseOrThrow(optionsSchema, ctx.trainer, `trainer of task ${ctx.taskId}`);
    const cwd = path.resolve(options.cwd ?? process.cwd());
    const argv = [...options.args, ...(await paramsToArgs(params, ctx.workDir))];
    ctx.log(`command trainer: ${options.command} ${argv.join(' ')}`);
    const child = spawn(options.command, argv, { cwd, shell: false, stdio: ['ignore', 'pipe', 'pipe'] });
    let reported = -1;
    let chain = Promise.resolve();
    const report = (step: number, scalars: Record<string, number>): void => {
      if (step <= reported) return;
      reported = step;
      chain = chain.then(() => ctx.reporter.report(step, scalars));
    };
    const followCsv = async (): Promise<void> => {
      if (!options.resultsCsv) return;
      for (const row of await parseResultsCsv(path.resolve(cwd, options.resultsCsv))) report(row.epoch, row.scalars);
    };
    lines(child.stdout, (line) => {
      const match = /^hpo:report (.*)$/.exec(line);
      if (!match) return ctx.log(line);
      try {
        const { step, scalars } = JSON.parse(match[1]) as { step: number; scalars: Record<string, number> };
        report(step, scalars);
      } catch {
        ctx.log(`ignored malformed report line: ${line}`);
      }
    });
    lines(child.stderr, (line) => ctx.log(line));
    const poll = setInterval(() => void followCsv().catch(() => {}), 2000);
    const onAbort = (): void => {
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGKILL'), options.graceSeconds * 1000).unref();
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.once('error', (error) =>
        reject(new HpoError('COMMAND_FAILED', `cannot start ${JSON.stringify(options.command)}: ${error.message}. Check trainer.command.`)),
      );
      child.once('close', (code, signal) => resolve({ code, signal }));
    }).finally(() => {
      clearInterval(poll);
      ctx.signal.removeEventListener('abort', onAbort);
    });
    await followCsv().catch(() => {});
    await chain;
    for (const file of options.artifacts) {
      const abs = path.resolve(cwd, file);
      if (existsSync(abs)) await ctx.putArtifactFile(path.basename(abs), abs);
      else ctx.log(`command trainer: artifact ${file} not found (${abs}); not uploaded`);
    }
    if (ctx.signal.aborted) return;
    if (exit.code !== 0) throw new TrialFailedError(`${options.command} exited with ${exit.code ?? exit.signal}`);
  },
};

async function paramsToArgs(params: Params, workDir: string): Promise<string[]> {
  const argv: string[] = [];
  const hyp: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    const [section, name] = key.includes('/') ? key.split('/', 2) : ['args', key];
    if (section === 'hyp') hyp.push(`${name}: ${value}`);
    else if (typeof value === 'boolean') {
      if (value) argv.push(`--${name}`);
    } else argv.push(`--${name}`, String(value));
  }
  if (hyp.length) {
    await mkdir(workDir, { recursive: true });
    const file = path.join(workDir, 'hyp.yaml');
    await writeFile(file, hyp.join('\n') + '\n');
    argv.push('--hyp', file);
  }
  return argv;
}

function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    parts.forEach((l) => onLine(l.replace(/\r$/, '')));
  });
  stream.on('end', () => buffer && onLine(buffer));
}

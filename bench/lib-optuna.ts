/**
 * Runs Optuna (the issues' reference implementation) through bench/reference/optuna_bridge.py, so
 * bench/optuna.ts can measure it on exactly our objectives, seeds, budgets and noise streams.
 * Needs a Python with Optuna: OPTUNA_PYTHON, else /usr/bin/python3 (Debian's python3-optuna is
 * 3.1.0, the version the issues quote).
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Params, Space } from '../src/core/index.ts';
import { samplingOrder } from '../src/space/index.ts';

const SCRIPT = fileURLToPath(new URL('./reference/optuna_bridge.py', import.meta.url));
export const PYTHON = process.env.OPTUNA_PYTHON ?? '/usr/bin/python3';

/** Optuna's version, or a message saying how to install it. */
export function optunaVersion(): { version?: string; problem?: string } {
  const r = spawnSync(PYTHON, ['-c', 'import optuna; print(optuna.__version__)'], { encoding: 'utf8' });
  if (r.status === 0) return { version: r.stdout.trim() };
  return { problem: `${PYTHON} cannot import optuna (${(r.stderr || String(r.error)).trim().split('\n').at(-1)}); install it with \`apt-get install python3-optuna\` or set OPTUNA_PYTHON` };
}

export interface OptunaStudyOptions {
  direction: 'minimize' | 'maximize';
  /** Several objectives (overrides `direction`). */
  directions?: ReadonlyArray<'minimize' | 'maximize'>;
  space: Space;
  seed: number;
  /** `constraints: true` gives the sampler a constraints_func over the values told with `tell`. */
  sampler: { type: 'tpe' | 'random' | 'nsga2' | 'motpe'; [option: string]: unknown };
  pruner?: { type: 'none' | 'median' | 'successive-halving' | 'hyperband'; [option: string]: unknown };
}

/** One Python process; studies are created in it one after another. Requests are answered in order. */
export class OptunaBridge {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: Array<{ resolve: (out: unknown) => void; reject: (error: Error) => void }> = [];

  constructor() {
    this.child = spawn(PYTHON, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    this.child.stderr.on('data', (d) => (stderr += d));
    // A crash of the script fails the requests waiting on it, with Python's traceback.
    this.child.on('exit', (code) => {
      for (const w of this.waiting.splice(0)) w.reject(new Error(`optuna_bridge.py exited with ${code}: ${stderr.trim()}`));
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const waiter = this.waiting.shift();
      const out = JSON.parse(line);
      if (out.error) waiter?.reject(new Error(`optuna_bridge.py: ${out.error}`));
      else waiter?.resolve(out);
    });
  }

  private request<T>(msg: object): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ resolve: resolve as (out: unknown) => void, reject });
      this.child.stdin.write(`${JSON.stringify(msg)}\n`);
    });
  }

  async create(options: OptunaStudyOptions): Promise<void> {
    // Parents first, so the bridge can suggest define-by-run and skip inactive params.
    const space = samplingOrder(options.space).map((name) => {
      const d = options.space[name];
      const when = d.when ? Object.fromEntries(Object.entries(d.when).map(([p, v]) => [p, Array.isArray(v) ? v : [v]])) : undefined;
      if (d.type === 'categorical') return [name, { type: 'categorical', choices: d.choices, when }];
      if (d.type !== 'float' || d.step !== undefined) throw new Error(`bench/lib-optuna.ts handles plain float and categorical params only; ${name} is ${JSON.stringify(d)}`);
      return [name, { type: 'float', low: d.low, high: d.high, log: d.log, when }];
    });
    await this.request({ cmd: 'create', direction: options.direction, directions: options.directions, space, seed: options.seed, sampler: options.sampler, pruner: options.pruner ?? { type: 'none' } });
  }

  ask(): Promise<{ number: number; params: Params }> {
    return this.request({ cmd: 'ask' });
  }

  async report(number: number, step: number, value: number): Promise<boolean> {
    return (await this.request<{ prune: boolean }>({ cmd: 'report', number, step, value })).prune;
  }

  async tell(number: number, outcome: { value: number } | { values: readonly number[]; constraints?: readonly number[] } | { pruned: true }): Promise<void> {
    await this.request({ cmd: 'tell', number, ...outcome });
  }

  close(): void {
    this.child.stdin.end();
  }
}

/** The variants `--strategies a,b` names; else ours and Optuna's with `--optuna`; else ours. */
export function pickVariants<V extends { name: string }>(ours: V[], optuna: V[], flags: { strategies?: string; optuna?: boolean }): V[] {
  const known = [...ours, ...optuna];
  if (flags.strategies) return known.filter((v) => flags.strategies!.split(',').includes(v.name));
  return flags.optuna ? known : ours;
}

/** A bridge to Optuna when some row needs one (its version printed), else undefined; no Optuna is an error. */
export function optunaBridgeIf(needed: boolean): OptunaBridge | undefined {
  if (!needed) return undefined;
  const { version, problem } = optunaVersion();
  if (problem) throw new Error(problem);
  console.log(`optuna-* rows: Optuna ${version} through bench/lib-optuna.ts`);
  return new OptunaBridge();
}

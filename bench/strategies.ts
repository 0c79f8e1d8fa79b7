/**
 * `npm run bench:strategies [-- --seeds 10 --trials 100 --strategies tpe,gp --problems branin --json FILE]`
 *
 * Runs every strategy on Branin, Hartmann-6 and Rosenbrock-4 through the in-process optimize()
 * API and prints median [q25, q75] simple regret (best value so far minus the optimum) at
 * 10/25/50/100 trials over the seeds. Parallel variants keep 4 trials running at all times
 * (async objective, varied completion order) and are checked for two running trials with
 * identical params. `--json FILE` writes {problem: {strategy: {trials: {median, q25, q75}}}}.
 * `--optuna` adds Optuna 3.1's TPE (the issue's reference) run on the same seeds and protocol
 * (needs python3-optuna; see bench/lib-optuna.ts).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import { createRng, type Params } from '../src/core/index.ts';
import { optimize } from '../src/study/optimize.ts';
import type { StrategyInput } from '../strategies/index.ts';
import { PROBLEMS, type Problem } from './problems.ts';
import { fmt, load1, summarize, type Summary } from './lib-stats.ts';
import { OptunaBridge, type OptunaStudyOptions, pickVariants, optunaBridgeIf } from './lib-optuna.ts';

interface Variant {
  name: string;
  /** Ours, or (`optuna`) Optuna's sampler with these options, run through bench/lib-optuna.ts. */
  strategy: StrategyInput | { optuna: OptunaStudyOptions['sampler'] };
  concurrency: number;
}

const VARIANTS: Variant[] = [
  { name: 'random', strategy: { type: 'random' }, concurrency: 1 },
  { name: 'random-sobol', strategy: { type: 'random', sobol: true }, concurrency: 1 },
  // Optuna's published defaults, as a reference implementation of the baseline.
  { name: 'tpe-optuna-defaults', strategy: { type: 'tpe', multivariate: false, startup: 'random' }, concurrency: 1 },
  { name: 'tpe', strategy: { type: 'tpe', multivariate: false }, concurrency: 1 },
  { name: 'tpe-multivariate', strategy: { type: 'tpe', multivariate: true }, concurrency: 1 },
  { name: 'tpe-multivariate-parallel4', strategy: { type: 'tpe', multivariate: true }, concurrency: 4 },
  // The previous parallel behaviour (no switch while trials run), for comparison.
  { name: 'tpe-multivariate-same-parallel4', strategy: { type: 'tpe', multivariate: true, whileRunning: 'same' }, concurrency: 4 },
  { name: 'gp', strategy: { type: 'gp' }, concurrency: 1 },
  { name: 'gp-parallel4', strategy: { type: 'gp' }, concurrency: 4 },
  { name: 'auto', strategy: { type: 'auto' }, concurrency: 1 },
];

/** Optuna itself (--optuna): the issue's reference numbers, rerun on our seeds and protocol. */
const OPTUNA_VARIANTS: Variant[] = [
  { name: 'optuna-tpe', strategy: { optuna: { type: 'tpe' } }, concurrency: 1 },
  { name: 'optuna-tpe-multivariate', strategy: { optuna: { type: 'tpe', multivariate: true } }, concurrency: 1 },
  { name: 'optuna-tpe-multivariate-liar-parallel4', strategy: { optuna: { type: 'tpe', multivariate: true, constant_liar: true } }, concurrency: 4 },
];

const CHECKPOINTS = [10, 25, 50, 100];

interface RunResult {
  bestSoFar: number[];
  duplicates: number;
}

/**
 * Optuna's run of the same protocol: ask/tell through the bridge, `concurrency` trials asked
 * before any is told, each finishing 1-4 turns after it started (the same delay stream as ours).
 */
async function runOptuna(bridge: OptunaBridge, problem: Problem, variant: Variant, seed: number, trials: number): Promise<RunResult> {
  await bridge.create({ direction: 'minimize', space: problem.space, seed, sampler: (variant.strategy as { optuna: OptunaStudyOptions['sampler'] }).optuna });
  const delays = createRng(seed, 'bench-delays');
  const values: number[] = [];
  const running: Array<{ number: number; params: Params; doneAt: number }> = [];
  let asked = 0;
  for (let turn = 0; asked < trials || running.length > 0; turn++) {
    while (running.length < variant.concurrency && asked < trials) {
      const { number, params } = await bridge.ask();
      asked++;
      running.push({ number, params, doneAt: turn + (variant.concurrency > 1 ? 1 + Math.floor(delays() * 4) : 0) });
    }
    for (const t of running.filter((r) => r.doneAt <= turn)) {
      running.splice(running.indexOf(t), 1);
      values[t.number] = problem.evaluate(t.params);
      await bridge.tell(t.number, { value: values[t.number] });
    }
  }
  let best = Number.POSITIVE_INFINITY;
  return { bestSoFar: values.map((v) => (best = Math.min(best, v)) - problem.optimum), duplicates: 0 };
}

async function runOne(problem: Problem, variant: Variant, seed: number, trials: number): Promise<RunResult> {
  if ('optuna' in variant.strategy) throw new Error(`${variant.name} is Optuna's: run it with runOptuna`);
  const running = new Map<number, string>();
  let duplicates = 0;
  const delays = createRng(seed, 'bench-delays');
  const result = await optimize({
    space: problem.space,
    direction: 'minimize',
    strategy: variant.strategy,
    trials,
    seed,
    concurrency: variant.concurrency,
    objective: async (params: Params, trial) => {
      const key = JSON.stringify(params);
      for (const other of running.values()) if (other === key) duplicates++;
      running.set(trial.number, key);
      // Vary completion order: each trial "trains" for 1-4 event-loop turns.
      const turns = variant.concurrency > 1 ? 1 + Math.floor(delays() * 4) : 0;
      for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
      running.delete(trial.number);
      return problem.evaluate(params);
    },
  });
  const bestSoFar: number[] = [];
  let best = Number.POSITIVE_INFINITY;
  for (const t of result.history) {
    if (t.state === 'complete' && t.value !== undefined && t.value < best) best = t.value;
    bestSoFar.push(best - problem.optimum);
  }
  return { bestSoFar, duplicates };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '10' },
      trials: { type: 'string', default: '100' },
      strategies: { type: 'string' },
      problems: { type: 'string' },
      json: { type: 'string' },
      optuna: { type: 'boolean', default: false },
    },
  });
  const seeds = Number(values.seeds);
  const trials = Number(values.trials);
  const variants = pickVariants(VARIANTS, OPTUNA_VARIANTS, values);
  const bridge = optunaBridgeIf(variants.some((v) => 'optuna' in v.strategy));
  const problems = values.problems ? PROBLEMS.filter((p) => values.problems!.split(',').includes(p.name)) : PROBLEMS;
  const checkpoints = CHECKPOINTS.filter((c) => c <= trials);
  const out: Record<string, Record<string, Record<number, Summary>>> = {};
  const duplicateReport: string[] = [];
  const started = Date.now();
  for (const problem of problems) {
    out[problem.name] = {};
    const table = new Table({ head: [problem.name, ...checkpoints.map((c) => `@${c}`), 'sec', 'load'] });
    for (const variant of variants) {
      const t0 = Date.now();
      const runs: RunResult[] = [];
      for (let s = 0; s < seeds; s++) runs.push('optuna' in variant.strategy ? await runOptuna(bridge!, problem, variant, s, trials) : await runOne(problem, variant, s, trials));
      const summary: Record<number, Summary> = {};
      for (const c of checkpoints) summary[c] = summarize(runs.map((r) => r.bestSoFar[c - 1]));
      out[problem.name][variant.name] = summary;
      const duplicates = runs.reduce((n, r) => n + r.duplicates, 0);
      if (variant.concurrency > 1 && !('optuna' in variant.strategy)) duplicateReport.push(`${problem.name}/${variant.name}: ${duplicates} running-trial pairs with identical params`);
      table.push([variant.name, ...checkpoints.map((c) => `${fmt(summary[c].median)} [${fmt(summary[c].q25)}, ${fmt(summary[c].q75)}]`), ((Date.now() - t0) / 1000).toFixed(1), load1()]);
      process.stderr.write(`done ${problem.name} ${variant.name} in ${((Date.now() - t0) / 1000).toFixed(1)} s (load ${load1()}): ${checkpoints.map((c) => `@${c} ${fmt(summary[c].median)}`).join(' ')}\n`);
    }
    console.log(table.toString());
  }
  console.log(`median [q25, q75] simple regret over ${seeds} seeds; total ${((Date.now() - started) / 1000).toFixed(0)} s`);
  for (const line of duplicateReport) console.log(line);
  bridge?.close();
  if (values.json) writeFileSync(values.json, `${JSON.stringify(out, null, 2)}\n`);
}

await main();

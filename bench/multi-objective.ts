/**
 * `npm run bench:multi-objective [-- --seeds 10 --trials 100 --strategies auto,tpe --problems zdt1-2d --optuna]`
 *
 * Several objectives: each strategy runs ZDT1 and ZDT2 (2 and 6 dims), DTLZ2 (6 dims, 3
 * objectives) and a YOLOv5-like mAP-against-latency trade-off through optimize(), and the bench
 * prints the median [q25, q75] hypervolume of the trials so far at 50 and 100 trials over the seeds
 * (for the problems with a known front also the regret, optimal minus found). `--optuna` adds
 * Optuna 3.1's NSGA-II and its multi-objective TPE (MOTPE) on the same seeds through
 * bench/lib-optuna.ts. Higher hypervolume is better.
 */
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import { optimize } from '../src/study/optimize.ts';
import type { StrategyInput } from '../strategies/index.ts';
import { hypervolume } from '../strategies/math/pareto.ts';
import { MO_PROBLEMS, type MoProblem } from './mo-problems.ts';
import { fmt, load1, summarize } from './lib-stats.ts';
import { OptunaBridge, type OptunaStudyOptions, pickVariants, optunaBridgeIf } from './lib-optuna.ts';

type Variant = { name: string; strategy: StrategyInput } | { name: string; optuna: OptunaStudyOptions['sampler'] };

const VARIANTS: Variant[] = [
  { name: 'auto', strategy: { type: 'auto' } },
  { name: 'tpe', strategy: { type: 'tpe' } },
  { name: 'gp-parego', strategy: { type: 'gp' } },
  { name: 'random', strategy: { type: 'random' } },
];
const OPTUNA_VARIANTS: Variant[] = [
  { name: 'optuna-nsga2', optuna: { type: 'nsga2' } },
  { name: 'optuna-motpe', optuna: { type: 'tpe' } },
  { name: 'optuna-motpe-multivariate', optuna: { type: 'tpe', multivariate: true } },
];
const CHECKPOINTS = [50, 100];

/** Loss vectors (maximized objectives negated), one per trial in creation order. */
async function runOurs(problem: MoProblem, strategy: StrategyInput, seed: number, trials: number): Promise<number[][]> {
  const result = await optimize({ space: problem.space, directions: problem.directions, strategy, trials, seed, objective: (p) => problem.evaluate(p) });
  return result.history.map((t) => toLosses(problem, t.values ?? []));
}

async function runOptuna(bridge: OptunaBridge, problem: MoProblem, sampler: OptunaStudyOptions['sampler'], seed: number, trials: number): Promise<number[][]> {
  await bridge.create({ direction: problem.directions[0], directions: problem.directions, space: problem.space, seed, sampler });
  const out: number[][] = [];
  for (let i = 0; i < trials; i++) {
    const { number, params } = await bridge.ask();
    const values = problem.evaluate(params);
    await bridge.tell(number, { values });
    out.push(toLosses(problem, values));
  }
  return out;
}

function toLosses(problem: MoProblem, values: readonly number[]): number[] {
  return values.map((v, i) => (problem.directions[i] === 'maximize' ? -v : v));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '10' },
      trials: { type: 'string', default: '100' },
      strategies: { type: 'string' },
      problems: { type: 'string' },
      optuna: { type: 'boolean', default: false },
    },
  });
  const seeds = Number(values.seeds);
  const trials = Number(values.trials);
  const variants = pickVariants(VARIANTS, OPTUNA_VARIANTS, values);
  const bridge = optunaBridgeIf(variants.some((v) => 'optuna' in v));
  const problems = values.problems ? MO_PROBLEMS.filter((p) => values.problems!.split(',').includes(p.name)) : MO_PROBLEMS;
  const checkpoints = CHECKPOINTS.filter((c) => c <= trials);
  for (const problem of problems) {
    const head = [problem.name, ...checkpoints.map((c) => `HV@${c}`), ...(problem.optimalHv ? checkpoints.map((c) => `regret@${c}`) : []), 'sec', 'load'];
    const table = new Table({ head });
    for (const variant of variants) {
      const t0 = Date.now();
      const hv: number[][] = checkpoints.map(() => []);
      for (let s = 0; s < seeds; s++) {
        const losses = 'optuna' in variant ? await runOptuna(bridge!, problem, variant.optuna, s, trials) : await runOurs(problem, variant.strategy, s, trials);
        checkpoints.forEach((c, k) => hv[k].push(hypervolume(losses.slice(0, c).filter((l) => l.length > 0), problem.reference)));
      }
      const cells = hv.map((h) => summarize(h));
      const row = [variant.name, ...cells.map((c) => `${fmt(c.median)} [${fmt(c.q25)}, ${fmt(c.q75)}]`)];
      if (problem.optimalHv) row.push(...hv.map((h) => fmt(summarize(h.map((v) => problem.optimalHv! - v)).median)));
      table.push([...row, ((Date.now() - t0) / 1000).toFixed(1), load1()]);
      // The row on stderr too, so a long run shows results as they come.
      process.stderr.write(`done ${problem.name} ${variant.name} in ${((Date.now() - t0) / 1000).toFixed(1)} s (load ${load1()}): ${row.slice(1).join(' | ')}\n`);
    }
    console.log(table.toString());
  }
  console.log(`median [q25, q75] hypervolume over ${seeds} seeds (higher is better); regret = optimal HV - HV (median)`);
  bridge?.close();
}

await main();

/**
 * `npm run bench:conditional [-- --seeds 10 --trials 100 --strategies tpe,gp --optuna]`
 *
 * A conditional YOLOv5-like space: the optimizer decides which of momentum (SGD) or beta1
 * (Adam, AdamW) exists, AdamW adds weight decay, and mosaic on adds mixup and scale. The loss has a
 * known minimum of 0 (SGD, lr0 = 1e-2, momentum 0.937, mosaic on, mixup 0.1, scale 0.5), and the
 * best learning rate depends on the optimizer. Prints median [q25, q75] simple regret at 25, 50
 * and 100 trials over the seeds. `--optuna` adds Optuna 3.1's TPE with group=True (and without)
 * asked define-by-run on the same seeds through bench/lib-optuna.ts.
 */
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import type { Params, Space } from '../src/core/index.ts';
import { activeNames, categorical, float } from '../src/space/index.ts';
import { optimize } from '../src/study/optimize.ts';
import type { StrategyInput } from '../strategies/index.ts';
import { fmt, summarize } from './lib-stats.ts';
import { type OptunaStudyOptions, pickVariants, optunaBridgeIf } from './lib-optuna.ts';

export const CONDITIONAL_SPACE: Space = {
  'args/optimizer': categorical(['SGD', 'Adam', 'AdamW']),
  'hyp/lr0': float(1e-5, 1e-1, { log: true }),
  'hyp/momentum': float(0.6, 0.98, { when: { 'args/optimizer': 'SGD' } }),
  'hyp/beta1': float(0.8, 0.99, { when: { 'args/optimizer': ['Adam', 'AdamW'] } }),
  'hyp/weight_decay': float(1e-6, 1e-2, { log: true, when: { 'args/optimizer': 'AdamW' } }),
  'aug/mosaic': categorical([true, false]),
  'hyp/mixup': float(0, 0.5, { when: { 'aug/mosaic': true } }),
  'hyp/scale': float(0.1, 0.9, { when: { 'aug/mosaic': true } }),
};

const BEST_LOG_LR: Record<string, number> = { SGD: -2, Adam: -3, AdamW: -3 };
const BASE: Record<string, number> = { SGD: 0, Adam: 0.05, AdamW: 0.02 };

/** The loss; throws when a param that should be absent is present (a sampler bug the bench must not hide). */
export function conditionalLoss(p: Params): number {
  const active = new Set(activeNames(CONDITIONAL_SPACE, p));
  for (const k of Object.keys(p)) if (!active.has(k)) throw new Error(`inactive param ${k} in ${JSON.stringify(p)}`);
  const opt = p['args/optimizer'] as string;
  let loss = BASE[opt] + 0.5 * (Math.log10(p['hyp/lr0'] as number) - BEST_LOG_LR[opt]) ** 2;
  if (opt === 'SGD') loss += 20 * ((p['hyp/momentum'] as number) - 0.937) ** 2;
  else loss += 50 * ((p['hyp/beta1'] as number) - 0.9) ** 2;
  if (opt === 'AdamW') loss += 0.1 * (Math.log10(p['hyp/weight_decay'] as number) + 3.3) ** 2;
  if (p['aug/mosaic'] === true) loss += 2 * ((p['hyp/mixup'] as number) - 0.1) ** 2 + 2 * ((p['hyp/scale'] as number) - 0.5) ** 2;
  else loss += 0.08;
  return loss;
}

type Variant = { name: string; strategy: StrategyInput } | { name: string; optuna: OptunaStudyOptions['sampler'] };
const VARIANTS: Variant[] = [
  { name: 'auto', strategy: { type: 'auto' } },
  { name: 'tpe', strategy: { type: 'tpe' } },
  { name: 'tpe-univariate', strategy: { type: 'tpe', multivariate: false } },
  { name: 'gp', strategy: { type: 'gp' } },
  { name: 'random', strategy: { type: 'random' } },
];
const OPTUNA_VARIANTS: Variant[] = [
  { name: 'optuna-tpe-group', optuna: { type: 'tpe', multivariate: true, group: true } },
  { name: 'optuna-tpe', optuna: { type: 'tpe' } },
];
const CHECKPOINTS = [25, 50, 100];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '10' },
      trials: { type: 'string', default: '100' },
      strategies: { type: 'string' },
      optuna: { type: 'boolean', default: false },
    },
  });
  const seeds = Number(values.seeds);
  const trials = Number(values.trials);
  const variants = pickVariants(VARIANTS, OPTUNA_VARIANTS, values);
  const bridge = optunaBridgeIf(variants.some((v) => 'optuna' in v));
  const checkpoints = CHECKPOINTS.filter((c) => c <= trials);
  const table = new Table({ head: ['conditional', ...checkpoints.map((c) => `@${c}`), 'sec'] });
  for (const variant of variants) {
    const t0 = Date.now();
    const regrets: number[][] = checkpoints.map(() => []);
    for (let seed = 0; seed < seeds; seed++) {
      let losses: number[];
      if ('optuna' in variant) {
        await bridge!.create({ direction: 'minimize', space: CONDITIONAL_SPACE, seed, sampler: variant.optuna });
        losses = [];
        for (let i = 0; i < trials; i++) {
          const { number, params } = await bridge!.ask();
          const value = conditionalLoss(params);
          await bridge!.tell(number, { value });
          losses.push(value);
        }
      } else {
        const result = await optimize({ space: CONDITIONAL_SPACE, direction: 'minimize', strategy: variant.strategy, trials, seed, objective: conditionalLoss });
        const failed = result.history.find((t) => t.state !== 'complete');
        if (failed) throw new Error(`${variant.name}: trial ${failed.number} ${failed.state}: ${failed.error}`);
        losses = result.history.map((t) => t.value!);
      }
      let best = Infinity;
      const bestSoFar = losses.map((v) => (best = Math.min(best, v)));
      checkpoints.forEach((c, k) => regrets[k].push(bestSoFar[c - 1]));
    }
    const cells = regrets.map((r) => summarize(r));
    table.push([variant.name, ...cells.map((c) => `${fmt(c.median)} [${fmt(c.q25)}, ${fmt(c.q75)}]`), ((Date.now() - t0) / 1000).toFixed(1)]);
    process.stderr.write(`done ${variant.name} in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${cells.map((c) => fmt(c.median)).join(' | ')}\n`);
  }
  console.log(table.toString());
  console.log(`median [q25, q75] simple regret (optimum 0) over ${seeds} seeds`);
  bridge?.close();
}

// Importable (the space and loss) without running the bench.
if (process.argv[1]?.endsWith('conditional.ts')) await main();

/**
 * `npm run bench:pruning`: pruners on the learning-curve family (curves that cross: a high LR
 * starts fast and plateaus low), TPE when registered (else random), 10 seeds, two budgets:
 *   (a) 60 trials of up to 30 epochs;  (b) equal compute: trials started until 1800 epochs are used.
 * "best" is the best final value of trials that ran all 30 epochs; a pruned trial never counts.
 * The `oracle` rows are not pruners but bounds: they know each trial's final value and stop every
 * trial that will not beat the best completed one after m epochs, so they show what any pruner
 * deciding at that epoch can reach at best (the equal-quality target needs m = 1 on this family).
 * Flags: --seeds N (default 10), --sweep (also run a grid of settings, for choosing defaults),
 * --bounds (also run the oracle rows in budget (b): a few minutes), --optuna (also run Optuna's
 * TPE with its pruners on the same curves, seeds and budgets: rows `optuna ...`, each compared
 * with Optuna's own no-pruning run; needs python3-optuna, see bench/lib-optuna.ts).
 */
import Table from 'cli-table3';
import type { Pruner, Strategy } from '../src/core/index.ts';
import type { PrunerInput } from '../strategies/pruners/index.ts';
import { learningCurve } from '../src/trainers/function/objectives/index.ts';
import { epochsToReach, median, oraclePruner, runOptunaStudy, runStudy, type Budget, type RunResult } from './lib-curves.ts';
import { OptunaBridge, optunaVersion, type OptunaStudyOptions } from './lib-optuna.ts';

const EPOCHS = 30;
const args = process.argv.slice(2);
const seeds = Number(args[args.indexOf('--seeds') + 1]) || 10;
const sweep = args.includes('--sweep');
const bounds = args.includes('--bounds');
const withOptuna = args.includes('--optuna');
if (withOptuna) {
  const { version, problem } = optunaVersion();
  if (problem) throw new Error(problem);
  console.log(`optuna ${version} rows: TPESampler() defaults, compared with optuna's own no-pruning run`);
}

const { label: strategyLabel, make: strategy } = await loadStrategy();

/** TPE through the registry when it is registered there, else random; the label says which. */
async function loadStrategy(): Promise<{ label: string; make: () => Strategy }> {
  try {
    const { createStrategy, strategySchema } = await import('../strategies/index.ts');
    if (strategySchema.safeParse({ type: 'tpe' }).success) return { label: 'tpe', make: () => createStrategy(strategySchema.parse({ type: 'tpe' })) };
    return { label: 'random (TPE is not registered)', make: () => createStrategy(strategySchema.parse({ type: 'random' })) };
  } catch (error) {
    const { RandomStrategy } = await import('../strategies/random.ts');
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { label: `random (the strategy registry failed to load: ${why})`, make: () => new RandomStrategy() };
  }
}

/** Rows labelled `oracle` are bounds, not pruners: they never count as "the best pruner". */
const isOracle = (label: string) => label.startsWith('oracle');
const variants: Array<{ label: string; pruner: PrunerInput | ((seed: number) => Pruner); onlyA?: boolean }> = [
  { label: 'none', pruner: { type: 'none' } },
  { label: 'median (default)', pruner: { type: 'median' } },
  { label: 'asha (default)', pruner: { type: 'asha' } },
  { label: 'hyperband (default)', pruner: { type: 'hyperband', maxEpochs: EPOCHS } },
  // Optuna's defaults, for contrast: an early first rung falls for the fast starters.
  { label: 'asha min 1 eta 3', pruner: { type: 'asha', minEpochs: 1, reductionFactor: 3 } },
  { label: 'hyperband min 1 eta 3', pruner: { type: 'hyperband', minEpochs: 1, maxEpochs: EPOCHS, reductionFactor: 3 } },
  // Learning-curve extrapolation (Domhan et al. 2015), calibrated on completed trials.
  { label: 'curve (default)', pruner: { type: 'curve' } },
  { label: 'curve keepTop 0 (vs best only)', pruner: { type: 'curve', keepTop: 0 } },
  { label: 'curve confidence 0.9', pruner: { type: 'curve', confidence: 0.9 } },
  // Bounds: a pruner that knows every trial's final value, deciding after m epochs. In (b) they
  // start 500-1400 trials and TPE's cost grows with them (minutes), so (b) runs them with --bounds.
  ...[1, 2, 3].map((m) => ({
    label: `oracle after ${m} epoch${m > 1 ? 's' : ''} (bound)`,
    pruner: (seed: number) => oraclePruner(learningCurve, seed, EPOCHS, m),
    onlyA: !bounds,
  })),
];
if (sweep) {
  for (const w of [0, 3, 8]) variants.push({ label: `median warmup ${w}`, pruner: { type: 'median', nWarmupEpochs: w } });
  variants.push({ label: 'percentile 25 warmup 5', pruner: { type: 'percentile', percentile: 25, nWarmupEpochs: 5 } });
  for (const [m, eta] of [[2, 3], [3, 3], [5, 3], [1, 2], [3, 2]]) {
    variants.push({ label: `asha min ${m} eta ${eta}`, pruner: { type: 'asha', minEpochs: m, reductionFactor: eta } });
  }
  variants.push({ label: 'asha min 2 eta 2 bootstrap 3', pruner: { type: 'asha', minEpochs: 2, reductionFactor: 2, bootstrapCount: 3 } });
  // A later first rung (fewer fast starters pass the first cut on luck).
  for (const [m, eta] of [[4, 3], [6, 2], [6, 3]]) variants.push({ label: `asha min ${m} eta ${eta}`, pruner: { type: 'asha', minEpochs: m, reductionFactor: eta } });
  variants.push({ label: 'hyperband min 4 eta 3', pruner: { type: 'hyperband', minEpochs: 4, maxEpochs: EPOCHS, reductionFactor: 3 } });
  for (const [m, top] of [[3, 0.2], [6, 0.2], [4, 0.1], [4, 0.3]]) {
    variants.push({ label: `curve min ${m} keepTop ${top}`, pruner: { type: 'curve', minEpochs: m, keepTop: top } });
  }
  for (const [m, eta] of [[2, 2], [2, 3]]) {
    variants.push({ label: `hyperband min ${m} eta ${eta}`, pruner: { type: 'hyperband', minEpochs: m, maxEpochs: EPOCHS, reductionFactor: eta } });
  }
}

/** Optuna's pruners at their defaults, plus the median with 5 warm-up epochs the issue quotes. */
const optunaVariants: Array<{ label: string; pruner: NonNullable<OptunaStudyOptions['pruner']> }> = withOptuna
  ? [
      { label: 'optuna none', pruner: { type: 'none' } },
      { label: 'optuna median', pruner: { type: 'median' } },
      { label: 'optuna median warmup 5', pruner: { type: 'median', n_warmup_steps: 5 } },
      { label: 'optuna successive-halving', pruner: { type: 'successive-halving' } },
      { label: 'optuna hyperband', pruner: { type: 'hyperband' } },
    ]
  : [];
/** Each row's no-pruning reference: Optuna rows compare with Optuna's own run. */
const noneOf = (label: string) => (label.startsWith('optuna') ? 'optuna none' : 'none');
/** Rows that compete for "the best pruner" in the targets: ours, not the bounds or Optuna's. */
const isOurPruner = (label: string) => label !== 'none' && !isOracle(label) && !label.startsWith('optuna');

async function runAll(budget: Budget): Promise<Map<string, RunResult[]>> {
  const out = new Map<string, RunResult[]>();
  for (const v of variants) {
    if (v.onlyA && budget.trials === undefined) continue;
    const runs: RunResult[] = [];
    for (let seed = 0; seed < seeds; seed++) {
      runs.push(await runStudy({ objective: learningCurve, strategy: strategy(), pruner: v.pruner, seed, budget, epochsPerTrial: EPOCHS }));
    }
    out.set(v.label, runs);
    process.stderr.write('.');
  }
  if (optunaVariants.length > 0) {
    const bridge = new OptunaBridge();
    for (const v of optunaVariants) {
      const runs: RunResult[] = [];
      for (let seed = 0; seed < seeds; seed++) {
        runs.push(await runOptunaStudy({ bridge, objective: learningCurve, sampler: { type: 'tpe' }, pruner: v.pruner, seed, budget, epochsPerTrial: EPOCHS }));
      }
      out.set(v.label, runs);
      process.stderr.write('o');
    }
    bridge.close();
  }
  process.stderr.write('\n');
  return out;
}

const f3 = (x: number) => x.toFixed(4);
/** No colours: the output is read in logs and reports. */
const PLAIN = { head: [], border: [] };
const dir = learningCurve.direction;

function printA(results: Map<string, RunResult[]>): { bestRatio: number; bestLabel: string } {
  const table = new Table({
    style: PLAIN,
    head: ['pruner', 'median best', 'epochs', 'pruned', 'none epochs to this best', 'epochs / none epochs\nat this best'],
  });
  let bestRatio = Infinity;
  let bestLabel = '';
  for (const [label, runs] of results) {
    const none = results.get(noneOf(label))!;
    // Per seed: epochs the no-pruning run of the same seed needed to reach this run's best
    // (censored at its total when it never did, which favours no pruning).
    const needed = runs.map((r, s) => epochsToReach(none[s].trace, r.best, dir) ?? none[s].epochs);
    const ratio = median(runs.map((r, s) => r.epochs / needed[s]));
    const best = median(runs.map((r) => r.best));
    const isNone = noneOf(label) === label;
    if (isOurPruner(label) && ratio < bestRatio) [bestRatio, bestLabel] = [ratio, label];
    table.push([
      label,
      f3(best),
      String(median(runs.map((r) => r.epochs))),
      String(median(runs.map((r) => r.pruned))),
      isNone ? '-' : String(median(needed)),
      isNone ? '-' : `${(100 * ratio).toFixed(0)}%`,
    ]);
  }
  console.log(table.toString());
  return { bestRatio, bestLabel };
}

/**
 * Budget (b) table. "epochs to none's median best": when the run's best first reached the median
 * of no-pruning's bests (median over seeds, a seed that never got there counts as never).
 */
function printB(results: Map<string, RunResult[]>): { fastest: number; fastestLabel: string } {
  const table = new Table({ style: PLAIN, head: ['pruner', 'median best', 'epochs', 'trials', 'pruned', 'seeds above none', "epochs to none's\nmedian best"] });
  let fastest = Infinity;
  let fastestLabel = '';
  for (const [label, runs] of results) {
    const none = results.get(noneOf(label))!;
    const target = median(none.map((r) => r.best));
    const wins = runs.filter((r, s) => r.best > none[s].best).length;
    const reach = median(runs.map((r) => epochsToReach(r.trace, target, dir) ?? Infinity));
    if (isOurPruner(label) && reach < fastest) [fastest, fastestLabel] = [reach, label];
    table.push([
      label,
      f3(median(runs.map((r) => r.best))),
      String(median(runs.map((r) => r.epochs))),
      String(median(runs.map((r) => r.started))),
      String(median(runs.map((r) => r.pruned))),
      `${wins}/${runs.length}`,
      Number.isFinite(reach) ? String(reach) : 'not in half the seeds',
    ]);
  }
  console.log(table.toString());
  return { fastest, fastestLabel };
}

console.log(`learning-curve family, ${EPOCHS} epochs per trial, strategy ${strategyLabel}, ${seeds} seeds; values are medians over seeds`);
const t0 = Date.now();
console.log('\n(a) 60 trials of up to 30 epochs');
const a = await runAll({ trials: 60 });
const { bestRatio, bestLabel } = printA(a);
console.log('\n(b) equal compute: trials started until 1800 epochs are used');
const b = await runAll({ epochs: 60 * EPOCHS });
const { fastest, fastestLabel } = printB(b);
const noneB = median(b.get('none')!.map((r) => r.best));
const bestB = Math.max(...[...b].filter(([l]) => isOurPruner(l)).map(([, r]) => median(r.map((x) => x.best))));
const defaultsB = [...b].filter(([l]) => l.includes('(default)')).map(([l, r]) => [l, median(r.map((x) => x.best))] as const);
console.log('\ntargets:');
console.log(`  equal quality (a): best pruner's epochs / no-pruning's epochs to the same best, median over seeds: ${(100 * bestRatio).toFixed(0)}%, ${bestLabel} (target <= 35%)`);
console.log(`  equal quality (b): fastest pruner to no-pruning's median best: ${Number.isFinite(fastest) ? `${fastest} epochs = ${((100 * fastest) / (60 * EPOCHS)).toFixed(0)}% of 1800, ${fastestLabel}` : 'never'} (target <= 35%)`);
console.log('  (oracle rows are bounds, not pruners: they know each final value; see bench/lib-curves.ts)');
console.log(`  equal compute: best pruner median best ${f3(bestB)} vs none ${f3(noneB)} (target: above)`);
for (const [l, v] of defaultsB) console.log(`  equal compute: ${l} ${f3(v)} vs none ${f3(noneB)} (target: not below)`);
console.log(`\n(${((Date.now() - t0) / 1000).toFixed(0)} s)`);

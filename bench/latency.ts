/**
 * `npm run bench:latency`: milliseconds per suggestion with a history of N finished trials in
 * 6-D (Hartmann-6 values at uniform points): TPE at 100/500/1000 trials, GP at 50/100/300.
 * Also times the GP's O(n^3) core (Cholesky + solve) on Float64Arrays against mathjs.
 * Times are CPU time of this process (process.cpuUsage), so other load on a shared machine
 * inflates them less than wall time would.
 */
import { create, all } from 'mathjs';
import Table from 'cli-table3';
import { createRng, type Strategy, type StudyView, type TrialView } from '../src/core/index.ts';
import { sampleSpace } from '../src/space/index.ts';
import { GpStrategy, TpeStrategy } from '../strategies/index.ts';
import { cholSolve, robustCholesky } from '../strategies/gp/linalg.ts';
import { hartmann6 } from './problems.ts';
import { fmt, quantile } from './lib-stats.ts';

/** CPU milliseconds used by this process so far. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function history(n: number, seed: number): StudyView {
  const rng = createRng(seed, 'latency-history');
  const trials: TrialView[] = Array.from({ length: n }, (_, i) => {
    const params = sampleSpace(hartmann6.space, rng);
    return { number: i, id: String(i), params, state: 'complete', value: hartmann6.evaluate(params), intermediate: [] };
  });
  return { space: hartmann6.space, direction: 'minimize', trials };
}

function msPerAsk(strategy: Strategy, n: number, reps: number): number {
  const view = history(n, 1);
  const times: number[] = [];
  strategy.ask(view, { rng: createRng(0, `trial:${n}`), seed: 0, trialNumber: n, pending: [] }); // warm-up (JIT)
  for (let r = 0; r < reps; r++) {
    const t0 = cpuMs();
    strategy.ask(view, { rng: createRng(0, `trial:${n + r}`), seed: 0, trialNumber: n + r, pending: [] });
    times.push(cpuMs() - t0);
  }
  return quantile(times, 0.5);
}

function linalgComparison(n: number): { ours: number; mathjs: number } {
  const rng = createRng(n, 'spd');
  const pts = Array.from({ length: n }, () => [rng(), rng(), rng()]);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = Math.exp(-((pts[i][0] - pts[j][0]) ** 2 + (pts[i][1] - pts[j][1]) ** 2 + (pts[i][2] - pts[j][2]) ** 2) * 4) + (i === j ? 1e-6 : 0);
  const b = Float64Array.from({ length: n }, () => rng());
  const math = create(all);
  const rows = Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, (i + 1) * n)));
  const time = (f: () => void, reps: number): number => {
    f();
    const t0 = cpuMs();
    for (let r = 0; r < reps; r++) f();
    return (cpuMs() - t0) / reps;
  };
  return {
    ours: time(() => cholSolve(robustCholesky(a, n).l, n, b), 5),
    mathjs: time(() => math.lusolve(rows, Array.from(b)), 2),
  };
}

const table = new Table({ head: ['strategy', 'finished trials', 'ms / suggestion (median)'] });
for (const n of [100, 500, 1000]) table.push(['tpe (multivariate)', n, fmt(msPerAsk(new TpeStrategy(), n, 20))]);
for (const n of [100, 500, 1000]) table.push(['tpe (univariate)', n, fmt(msPerAsk(new TpeStrategy({ multivariate: false }), n, 20))]);
for (const n of [50, 100, 300]) table.push(['gp', n, fmt(msPerAsk(new GpStrategy(), n, 3))]);
console.log(table.toString());

const linalg = new Table({ head: ['n', 'Cholesky + solve, Float64Array (ms)', 'mathjs lusolve (ms)'] });
for (const n of [100, 300]) {
  const r = linalgComparison(n);
  linalg.push([n, fmt(r.ours), fmt(r.mathjs)]);
}
console.log(linalg.toString());

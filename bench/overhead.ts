/**
 * `npm run bench:overhead`: a 200-trial study of the function trainer at concurrency 2.
 * Reports (1) the study loop's own cost per trial (strategy + store + dispatch + bookkeeping),
 * measured as controller-process CPU time per trial with trials run in-process by a no-wait
 * trainer, minus the trainer's own time; and (2) the start-up cost of a local trial process
 * (submit -> the child is ready to train), measured with real child processes whose epochs
 * take `--epoch-ms` (a trial of a few seconds, so the executor's spare child can be ready in time;
 * `--epoch-ms 0` shows the worst case, where every trial waits for a fresh process).
 * The child runs the built entry (dist/, what `hpo` forks), so the script builds first;
 * `--source` forks the TypeScript entry through tsx instead, as the tests do.
 * Usage: npm run bench:overhead [-- --trials 200 --process-trials 200 --epoch-ms 200 --source]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { FileTaskStore } from '../src/store/index.ts';
import { resolveConfig } from '../src/config/index.ts';
import { createStudy, runStudy, type ExecutorEvents } from '../src/study/index.ts';
import { createStrategy } from '../strategies/index.ts';
import { createPruner } from '../strategies/pruners/index.ts';
import { InProcessExecutor } from '../src/exec/in-process/in-process-executor.ts';
import { LocalExecutor } from '../src/exec/local/local-executor.ts';
import { createTaskRunner } from '../src/worker/run-task.ts';
import { CHILD_ENTRY } from '../src/worker/index.ts';
import { packageRoot } from '../src/core/index.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const TRIALS = flag('trials', 200);
const PROCESS_TRIALS = flag('process-trials', 200);
const childEntry = args.includes('--source') ? CHILD_ENTRY : path.join(packageRoot()!, 'dist/src/worker/child-main.js');
const EPOCHS = 5;
const EPOCH_MS = flag('epoch-ms', 200);

async function setup(dir: string, trials: number, epochMs: number) {
  const store = new FileTaskStore({ root: dir });
  const template = await store.create({
    name: 'curve', project: 'bench', type: 'training', status: 'draft',
    trainer: { type: 'function', objective: 'learning-curve', epochMs },
    params: { 'hyp/lr0': 0.01, 'hyp/momentum': 0.937, 'args/epochs': EPOCHS },
  });
  const config = resolveConfig({
    space: { 'hyp/lr0': { type: 'float', low: 1e-4, high: 0.1, log: true }, 'hyp/momentum': { type: 'float', low: 0.6, high: 0.98 } },
    strategy: { type: 'random' },
    budget: { maxTrials: trials, concurrency: 2 },
  });
  const { controller } = await createStudy(store, { config, templateId: template.id, storeSpec: dir });
  return { store, config, controllerId: controller.id };
}

type Step = 'launch' | 'submit' | 'report' | 'finish' | 'check';

/** Loop cost: the controller's own steps (ask + clone + submit, report handling, finish bookkeeping, stop checks). */
async function loopCost(kind: 'in-process' | 'local', trials: number) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hpo-bench-'));
  const { store, config, controllerId } = await setup(dir, trials, kind === 'local' ? EPOCH_MS : 0);
  const totals: Record<Step, number> = { launch: 0, submit: 0, report: 0, finish: 0, check: 0 };
  const submitted = new Map<string, number>();
  const startups: number[] = [];
  const t0 = performance.now();
  await runStudy(controllerId, {
    store,
    strategy: createStrategy(config.strategy),
    pruner: createPruner(config.pruner),
    profile: (step, ms) => (totals[step] += ms),
    makeExecutor: (events: ExecutorEvents) => {
      if (kind === 'in-process') return new InProcessExecutor(createTaskRunner(store, { log: () => {} }), events, 2);
      const executor = new LocalExecutor({
        store, storeSpec: dir, childEntry, concurrency: 2, graceMs: 5000,
        events: { ...events, started: (id) => { startups.push(performance.now() - submitted.get(id)!); events.started(id); } },
      });
      const submit = executor.submit.bind(executor);
      executor.submit = async (task) => { submitted.set(task.id, performance.now()); return submit(task); };
      return executor;
    },
  });
  const wallMs = performance.now() - t0;
  await rm(dir, { recursive: true, force: true });
  startups.sort((a, b) => a - b);
  const q = (p: number) => startups[Math.min(startups.length - 1, Math.floor(p * startups.length))] ?? NaN;
  const perTrial = Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, v / trials])) as Record<Step, number>;
  // `launch` includes `submit`; for local trials the submit is the fork, counted as start-up.
  const loopMs = perTrial.launch - perTrial.submit + perTrial.report + perTrial.finish + perTrial.check + (kind === 'local' ? 0 : perTrial.submit);
  return { perTrial, totalMs: loopMs, wallMs, startup: { p50: q(0.5), p90: q(0.9), mean: startups.reduce((a, b) => a + b, 0) / startups.length } };
}

const show = (r: Awaited<ReturnType<typeof loopCost>>) =>
  `${r.totalMs.toFixed(2)} ms (ask+clone ${(r.perTrial.launch - r.perTrial.submit).toFixed(2)}, submit ${r.perTrial.submit.toFixed(2)}, reports ${r.perTrial.report.toFixed(2)}, finish ${r.perTrial.finish.toFixed(2)}, checks ${r.perTrial.check.toFixed(2)})`;

const inProcess = await loopCost('in-process', TRIALS);
console.log(`study loop, ${TRIALS} trials x ${EPOCHS} epochs, concurrency 2, trials in-process: wall ${(inProcess.wallMs / 1000).toFixed(1)} s`);
console.log(`  loop cost per trial: ${show(inProcess)}`);
const local = await loopCost('local', PROCESS_TRIALS);
console.log(`study loop, ${PROCESS_TRIALS} trials x ${EPOCHS} epochs, concurrency 2, ${EPOCH_MS} ms epochs, one child process per trial (${path.relative(packageRoot()!, childEntry)}): wall ${(local.wallMs / 1000).toFixed(1)} s`);
console.log(`  loop cost per trial: ${show(local)}`);
console.log(`  process start-up per trial: submit call ${local.perTrial.submit.toFixed(1)} ms in the controller (not in the loop cost above); submit -> ready to train p50 ${local.startup.p50.toFixed(0)} ms, p90 ${local.startup.p90.toFixed(0)} ms, mean ${local.startup.mean.toFixed(0)} ms`);

/**
 * `npm run bench:stop`: how long a stop request takes to end a trial, measured from the epoch
 * boundary that follows the request (issue goal: the trial stops at that boundary, within 2 s of
 * it). A local trial process of the function trainer (1 s epochs) is asked to stop at a random
 * moment mid-epoch, through the controller's two paths: the executor's message plus the store's
 * stop request (local studies), and the store's request alone (what agents across machines see).
 * Usage: npm run bench:stop [-- --runs 6]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { FileTaskStore } from '../src/store/index.ts';
import { LocalExecutor } from '../src/exec/local/local-executor.ts';
import { CHILD_ENTRY } from '../src/worker/index.ts';
import type { TrialOutcome } from '../src/study/index.ts';

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] ?? 6) || 6;
const EPOCH_MS = 1000;

async function once(dir: string, store: FileTaskStore, via: 'message+store' | 'store'): Promise<{ afterBoundaryMs: number; epochsAfterRequest: number }> {
  const task = await store.create({
    name: 'stop', project: 'bench', type: 'training', status: 'queued',
    trainer: { type: 'function', objective: 'learning-curve', epochMs: EPOCH_MS },
    params: { 'hyp/lr0': 0.01, 'args/epochs': 30 },
  });
  let requestedAt = 0;
  let boundaryAt = 0;
  let reportsAfter = 0;
  let requested = false;
  const finished = new Promise<{ outcome: TrialOutcome; at: number }>((resolve) => {
    const executor = new LocalExecutor({
      store, storeSpec: dir, childEntry: CHILD_ENTRY, concurrency: 1, graceMs: 10_000,
      events: {
        started: () => {},
        reported: (_id, step) => {
          if (requested) {
            reportsAfter++;
            boundaryAt ||= performance.now();
          } else if (step === 1) {
            // Request at a random moment inside the next epoch.
            setTimeout(async () => {
              requested = true;
              requestedAt = performance.now();
              await store.requestStop(task.id, 'bench');
              if (via === 'message+store') await executor.stop(task.id, { kind: 'stopped', reason: 'bench' });
            }, 100 + Math.random() * (EPOCH_MS - 300));
          }
        },
        finished: (_id, outcome) => resolve({ outcome, at: performance.now() }),
      },
    });
    void executor.submit(task);
  });
  const { outcome, at } = await finished;
  if (outcome.status !== 'stopped') throw new Error(`expected stopped, got ${outcome.status}: ${outcome.reason}`);
  // No report after the request: the trainer stopped at the boundary without reporting it.
  return { afterBoundaryMs: at - (boundaryAt || requestedAt), epochsAfterRequest: reportsAfter };
}

for (const via of ['message+store', 'store'] as const) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hpo-bench-stop-'));
  const store = new FileTaskStore({ root: dir });
  const results = [];
  for (let i = 0; i < RUNS; i++) results.push(await once(dir, store, via));
  await rm(dir, { recursive: true, force: true });
  const lat = results.map((r) => r.afterBoundaryMs).sort((a, b) => a - b);
  const epochs = Math.max(...results.map((r) => r.epochsAfterRequest));
  console.log(
    `${via.padEnd(14)} ${RUNS} runs: stopped ${lat[Math.floor(lat.length / 2)].toFixed(0)} ms (median), ${lat.at(-1)!.toFixed(0)} ms (max) after the epoch boundary; ` +
      `epochs reported after the request: at most ${epochs} (the one in flight)`,
  );
}

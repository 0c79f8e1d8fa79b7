/**
 * `npm run bench:trial-startup`: how long a fresh YOLOv5 trial process takes to its first training
 * step, the way `hpo` runs a trial: the built child entry (dist/src/worker/child-main.js, plain
 * Node, no tsx) forked on a file store with one queued yolov5 task (yolov5n, 128 px, batch 16,
 * WASM, on a synthetic 128-train / 16-val set, plots on as by default). Each sample is a new
 * process; the figures are the trainer's performance marks (train/prepare-run.ts STARTUP_MARKS),
 * ms since that process started, read by a tiny --import probe that ends the process once the
 * first step is done. Issue 15's goal: the first step within 0.5 s of the process starting. A
 * local study hides most of this behind its spare process (it has the trainer loaded already).
 * `--entry FILE` (repeatable) times other builds' child entries instead, their samples interleaved
 * (A, B, A, B, ...) so that the machine's other load falls on each alike: a paired A/B of two builds.
 * Usage: npm run bench:trial-startup [-- --runs 10 --backend wasm --param key=value --entry a.js --entry b.js]
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../src/core/index.ts';
import { FileTaskStore } from '../src/store/index.ts';
import { synthesizeDataset } from '../src/trainers/yolov5/data/index.ts';
import { STARTUP_MARKS } from '../src/trainers/yolov5/train/prepare-run.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    backend: { type: 'string', default: 'wasm' },
    dir: { type: 'string', default: '.hpo/bench' },
    param: { type: 'string', multiple: true, default: [] },
    entry: { type: 'string', multiple: true, default: [] },
  },
});
const entries = values.entry!.length ? values.entry!.map((e) => resolve(e)) : [join(packageRoot()!, 'dist/src/worker/child-main.js')];
for (const entry of entries) if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first (npm run bench:trial-startup does)`);

// Prints every mark as one JSON line on stderr once the first step is done, then ends the process.
const probe = `
import { PerformanceObserver, performance } from 'node:perf_hooks';
new PerformanceObserver((list, observer) => {
  if (!list.getEntries().some((e) => e.name === ${JSON.stringify(STARTUP_MARKS.firstStepDone)})) return;
  observer.disconnect();
  const marks = Object.fromEntries(performance.getEntriesByType('mark').map((e) => [e.name, e.startTime]));
  process.stderr.write('startup-marks ' + JSON.stringify(marks) + '\\n', () => process.exit(0));
}).observe({ entryTypes: ['mark'] });`;

async function dataset(): Promise<string> {
  const out = resolve(values.dir!, 'synth-128-128-16');
  const yaml = join(out, 'data.yaml');
  if (!existsSync(yaml)) await synthesizeDataset({ out, train: 128, val: 16, img: 128, classes: 3, seed: 0 });
  return yaml;
}

function extraParams(pairs: string[]): Record<string, unknown> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) throw new Error(`--param expects key=value, got "${pair}"`);
      const raw = pair.slice(at + 1);
      try {
        return [pair.slice(0, at), JSON.parse(raw)];
      } catch {
        return [pair.slice(0, at), raw];
      }
    }),
  );
}

/** One fresh trial process: its marks (ms since it started). */
async function sample(childEntry: string, yaml: string): Promise<Record<string, number>> {
  const dir = await mkdtemp(join(os.tmpdir(), 'hpo-startup-'));
  try {
    const store = new FileTaskStore({ root: dir });
    const task = await store.create({
      name: 'startup', project: 'bench', type: 'training', status: 'queued', trainer: { type: 'yolov5' },
      params: { 'args/data': yaml, 'args/epochs': 1, 'args/img': 128, 'args/batch': 16, 'args/backend': values.backend, ...extraParams(values.param!) },
    });
    const child = fork(childEntry, [dir, task.id], {
      execArgv: ['--import', `data:text/javascript,${encodeURIComponent(probe)}`],
      env: { ...process.env, HPO_TASK_ID: task.id },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
    const line = stderr.split('\n').find((l) => l.startsWith('startup-marks '));
    if (!line) throw new Error(`the trial process ended (code ${code}) before its first step:\n${stderr}`);
    return JSON.parse(line.slice('startup-marks '.length)) as Record<string, number>;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const yaml = await dataset();
const samples = entries.map(() => [] as Array<Record<string, number>>);
for (let i = 0; i < Number(values.runs); i++) for (const [k, entry] of entries.entries()) samples[k].push(await sample(entry, yaml));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const phases: Array<[string, string]> = [
  ['trainer loaded', STARTUP_MARKS.prepare], ['backend ready', STARTUP_MARKS.backend], ['data opened', STARTUP_MARKS.data],
  ['model built', STARTUP_MARKS.model], ['first step', STARTUP_MARKS.firstStep], ['first step done', STARTUP_MARKS.firstStepDone],
];
for (const [k, entry] of entries.entries()) {
  const runs = samples[k];
  console.log(`YOLOv5 trial process start-up, ${runs.length} fresh processes, ${values.backend} backend (ms since the process started, median [min-max]):`);
  if (entries.length > 1) console.log(`  entry ${entry}`);
  for (const [label, mark] of phases) {
    const xs = runs.map((s) => s[mark]);
    console.log(`  ${label.padEnd(16)} ${median(xs).toFixed(0).padStart(5)} [${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)}]`);
  }
}
console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);

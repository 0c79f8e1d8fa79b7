/**
 * `npm run bench:trial-startup`: how long a fresh YOLOv5 trial process takes to its first training
 * step, the way `hpo` runs a trial: the built child entry (dist/child/child-main.js, bundled by
 * scripts/bundle-child.mjs; plain Node, no tsx) forked on a file store with one queued yolov5 task (yolov5n, 128 px, batch 16,
 * WASM, on a synthetic 128-train / 16-val set, plots on as by default). Each sample is a new
 * process; the figures are the trainer's performance marks (train/prepare-run.ts STARTUP_MARKS),
 * ms since that process started, and the process's CPU time at each (all its threads: steadier
 * than wall time under the shared machine's load), read by a tiny --import probe that ends the
 * process once the first step is done. Issue 15's goal: the first step within 0.5 s of the process starting. A
 * local study hides most of this behind its spare process (it has the trainer loaded already).
 * `--entry FILE` (repeatable) times other builds' child entries instead, their samples interleaved
 * (A, B, A, B, ...) so that the machine's other load falls on each alike: a paired A/B of two builds.
 * STARTUP_PROF=<dir> cpu-profiles each trial process into dir.
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
// What hpo forks from the build (src/worker/index.ts CHILD_ENTRY): the bundled child, else the compiled one.
const built = ['dist/child/child-main.js', 'dist/src/worker/child-main.js'].map((f) => join(packageRoot()!, f));
const entries = values.entry!.length ? values.entry!.map((e) => resolve(e)) : [built.find((f) => existsSync(f)) ?? built[0]];
for (const entry of entries) if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first (npm run bench:trial-startup does)`);

// Prints every mark (ms since the process started) and the process's CPU time at it (all its
// threads, ms), as one JSON line on stderr once the first step is done, then ends the process. CPU
// time moves far less than wall time with the shared machine's load. performance.mark is wrapped so
// the CPU time is read at the mark itself, not when the observer runs.
const probe = `
import { PerformanceObserver, performance } from 'node:perf_hooks';
const cpu = {};
const mark = performance.mark.bind(performance);
performance.mark = (name, options) => {
  const { user, system } = process.cpuUsage();
  cpu[name] = (user + system) / 1000;
  return mark(name, options);
};
new PerformanceObserver((list, observer) => {
  if (!list.getEntries().some((e) => e.name === ${JSON.stringify(STARTUP_MARKS.firstStepDone)})) return;
  observer.disconnect();
  const marks = Object.fromEntries(performance.getEntriesByType('mark').map((e) => [e.name, e.startTime]));
  process.stderr.write('startup-marks ' + JSON.stringify({ marks, cpu }) + '\\n', () => process.exit(0));
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

interface Sample {
  /** ms since the process started, per mark. */
  marks: Record<string, number>;
  /** The process's CPU time (ms, all threads) at each mark. */
  cpu: Record<string, number>;
}

/** One fresh trial process: its marks. */
async function sample(childEntry: string, yaml: string): Promise<Sample> {
  const dir = await mkdtemp(join(os.tmpdir(), 'hpo-startup-'));
  try {
    const store = new FileTaskStore({ root: dir });
    const task = await store.create({
      name: 'startup', project: 'bench', type: 'training', status: 'queued', trainer: { type: 'yolov5' },
      params: { 'args/data': yaml, 'args/epochs': 1, 'args/img': 128, 'args/batch': 16, 'args/backend': values.backend, ...extraParams(values.param!) },
    });
    const child = fork(childEntry, [dir, task.id], {
      execArgv: [...(process.env.STARTUP_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.STARTUP_PROF] : []), '--import', `data:text/javascript,${encodeURIComponent(probe)}`],
      env: { ...process.env, HPO_TASK_ID: task.id },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
    const line = stderr.split('\n').find((l) => l.startsWith('startup-marks '));
    if (!line) throw new Error(`the trial process ended (code ${code}) before its first step:\n${stderr}`);
    return JSON.parse(line.slice('startup-marks '.length)) as Sample;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const yaml = await dataset();
const samples = entries.map(() => [] as Sample[]);
for (let i = 0; i < Number(values.runs); i++) for (const [k, entry] of entries.entries()) samples[k].push(await sample(entry, yaml));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const phases: Array<[string, string]> = [
  ['trainer loaded', STARTUP_MARKS.prepare], ['backend ready', STARTUP_MARKS.backend], ['data opened', STARTUP_MARKS.data],
  ['model built', STARTUP_MARKS.model], ['first step', STARTUP_MARKS.firstStep], ['first step done', STARTUP_MARKS.firstStepDone],
];
const cell = (xs: number[]) => `${median(xs).toFixed(0).padStart(5)} [${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)}]`;
for (const [k, entry] of entries.entries()) {
  const runs = samples[k];
  console.log(`YOLOv5 trial process start-up, ${runs.length} fresh processes, ${values.backend} backend, median [min-max]:`);
  if (entries.length > 1) console.log(`  entry ${entry}`);
  console.log(`  ${'mark'.padEnd(16)} ${'ms since start'.padEnd(18)} CPU ms (all threads)`);
  for (const [label, mark] of phases) {
    console.log(`  ${label.padEnd(16)} ${cell(runs.map((s) => s.marks[mark])).padEnd(18)} ${cell(runs.map((s) => s.cpu[mark]))}`);
  }
}
console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);

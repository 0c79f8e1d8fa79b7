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
 * `--spare` times the hand-over to a spare instead, as a local study starts its trials: the child is
 * forked with `--spare yolov5`, says `idle` once loaded, is left `--settle` ms (default 2000; in a
 * study it waits out the running trial), then gets the task; the marks count from the task's
 * arrival (TASK_ASSIGNED_MARK) and the CPU time from the process's CPU time then.
 * `--entry FILE` (repeatable) times other builds' child entries instead, their samples interleaved
 * (A, B, A, B, ...) so that the machine's other load falls on each alike: a paired A/B of two builds.
 * STARTUP_PROF=<dir> cpu-profiles each trial process into dir.
 * `--cold` gives each trial process an empty $HPO_CACHE, as the first trial on a machine has: it
 * draws the seed's initial weights instead of loading them (model/init-cache.ts).
 * Usage: npm run bench:trial-startup [-- --runs 10 --backend wasm --param key=value --entry a.js --entry b.js --spare --settle 2000 --cold]
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
import { TASK_ASSIGNED_MARK, parseToParent, type ToChild } from '../src/exec/local/protocol.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    backend: { type: 'string', default: 'wasm' },
    dir: { type: 'string', default: '.hpo/bench' },
    param: { type: 'string', multiple: true, default: [] },
    entry: { type: 'string', multiple: true, default: [] },
    spare: { type: 'boolean', default: false },
    settle: { type: 'string', default: '2000' },
    cold: { type: 'boolean', default: false },
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
  /** ms since the process started (with --spare: since the task arrived), per mark. */
  marks: Record<string, number>;
  /** The process's CPU time (ms, all threads) at each mark (with --spare: since the task arrived). */
  cpu: Record<string, number>;
  /** With --spare: ms from the fork to the spare's `idle`, as the parent saw it. */
  loadMs?: number;
}

/** One trial process (fresh, or a spare handed the task): its marks. */
async function sample(childEntry: string, yaml: string): Promise<Sample> {
  const dir = await mkdtemp(join(os.tmpdir(), 'hpo-startup-'));
  try {
    const store = new FileTaskStore({ root: dir });
    const task = await store.create({
      name: 'startup', project: 'bench', type: 'training', status: 'queued', trainer: { type: 'yolov5' },
      params: { 'args/data': yaml, 'args/epochs': 1, 'args/img': 128, 'args/batch': 16, 'args/backend': values.backend, ...extraParams(values.param!) },
    });
    const forkedAt = performance.now();
    const child = fork(childEntry, values.spare ? [dir, '--spare', 'yolov5'] : [dir, task.id, 'yolov5'], {
      execArgv: [...(process.env.STARTUP_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.STARTUP_PROF] : []), '--import', `data:text/javascript,${encodeURIComponent(probe)}`],
      env: { ...process.env, ...(values.spare ? {} : { HPO_TASK_ID: task.id }), ...(values.cold ? { HPO_CACHE: join(dir, 'cache') } : {}) },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
    let loadMs: number | undefined;
    if (values.spare) {
      const idle = await Promise.race([new Promise<boolean>((ok) => child.on('message', (m) => parseToParent(m)?.type === 'idle' && ok(true))), exited.then(() => false)]);
      if (!idle) throw new Error(`the spare ended before it said idle:\n${stderr}`);
      loadMs = performance.now() - forkedAt;
      await new Promise((r) => setTimeout(r, Number(values.settle)));
      child.send({ type: 'run', taskId: task.id } satisfies ToChild);
    }
    const code = await exited;
    const line = stderr.split('\n').find((l) => l.startsWith('startup-marks '));
    if (!line) throw new Error(`the trial process ended (code ${code}) before its first step:\n${stderr}`);
    const raw = JSON.parse(line.slice('startup-marks '.length)) as Sample;
    if (!values.spare) return raw;
    // Counted from the task's arrival: what the trial waits for once a study hands it over.
    const since = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v - m[TASK_ASSIGNED_MARK]]));
    return { marks: since(raw.marks), cpu: since(raw.cpu), loadMs };
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
  if (values.spare) {
    console.log(`YOLOv5 trial hand-over to a loaded spare, ${runs.length} spares (${values.settle} ms idle before the task), ${values.backend} backend, median [min-max]:`);
  } else console.log(`YOLOv5 trial process start-up, ${runs.length} fresh processes${values.cold ? ' (each with an empty $HPO_CACHE)' : ''}, ${values.backend} backend, median [min-max]:`);
  if (entries.length > 1) console.log(`  entry ${entry}`);
  if (values.spare) console.log(`  spare loaded (fork to idle) ${cell(runs.map((s) => s.loadMs!))} ms`);
  console.log(`  ${'mark'.padEnd(16)} ${(values.spare ? 'ms since the task' : 'ms since start').padEnd(18)} CPU ms (all threads)`);
  for (const [label, mark] of phases) {
    console.log(`  ${label.padEnd(16)} ${cell(runs.map((s) => s.marks[mark])).padEnd(18)} ${cell(runs.map((s) => s.cpu[mark]))}`);
  }
}
console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);

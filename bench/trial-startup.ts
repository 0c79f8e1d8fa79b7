/**
 * `npm run bench:trial-startup`: how long a fresh YOLOv5 trial process takes before it can train,
 * from the built package (what `hpo` forks): Node's own start, loading the trainer (TF.js and
 * its gradients), and the backend ready (WASM here). Each sample is a new process; the figure is
 * `performance.now()` in it, the time since that process started. Issue 15's goal: first step
 * within 0.5 s of the process starting. A local study hides even this behind its spare process.
 * Usage: npm run bench:trial-startup [-- --runs 10 --backend wasm]
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../src/core/index.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' }, backend: { type: 'string', default: 'wasm' } } });
const dist = join(packageRoot()!, 'dist/src/trainers/yolov5');
const probe = `
const loaded = await import(${JSON.stringify(join(dist, 'index.js'))});
const atLoad = performance.now();
const { initBackend } = await import(${JSON.stringify(join(dist, 'backend.js'))});
await initBackend(${JSON.stringify(values.backend)});
console.log(JSON.stringify({ loaded: atLoad, ready: performance.now() }));`;

const samples: Array<{ loaded: number; ready: number }> = [];
for (let i = 0; i < Number(values.runs); i++) {
  samples.push(JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' })));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`YOLOv5 trial process start-up, ${samples.length} fresh processes, ${values.backend} backend (ms since the process started, median):`);
console.log(`  trainer loaded ${median(samples.map((s) => s.loaded)).toFixed(0)} ms, backend ready ${median(samples.map((s) => s.ready)).toFixed(0)} ms`);

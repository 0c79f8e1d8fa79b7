/**
 * bench:serve-ab — a paired A/B of two `hpo serve` builds (or flag sets) on this machine: both
 * servers run at once (same task, yolov5n, one size, batching on), and the load (bench/serve-load.ts,
 * its own process, `--clients` kept-alive connections, one JPEG per request) alternates between
 * them in short slices, A B B A ..., so that other processes' load falls on both alike. Prints
 * per slice and as medians: images/s, B/A, server CPU ms per image (all threads, main thread)
 * from /proc, p50, with the load average. On a shared machine, trust B/A and CPU per image more
 * than either side's images/s.
 *   npm run bench:serve-ab -- --a /other/checkout/bin/hpo.js --b bin/hpo.js [--a-args="--threads 2"] [--b-args=...] [--size 128 --slices 8 --seconds 2 --clients 8]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { cachedExport } from '../src/serve/version-loader.ts';
import { synthesizeDataset } from '../src/trainers/yolov5/data/index.ts';
import { processCpuMs } from './lib-proc-cpu.ts';
import { makeServeTask } from './lib-serve.ts';
const { values } = parseArgs({ options: {
  a: { type: 'string' }, b: { type: 'string' }, 'a-args': { type: 'string', default: '' }, 'b-args': { type: 'string', default: '' },
  size: { type: 'string', default: '128' }, slices: { type: 'string', default: '8' }, seconds: { type: 'string', default: '2' }, clients: { type: 'string', default: '8' },
} });
if (!values.a || !values.b) throw new Error('bench:serve-ab needs --a and --b: the bin/hpo.js of each build to compare (the same one twice with different --a-args/--b-args compares flags)');
const size = Number(values.size);
const dir = mkdtempSync(path.join(os.tmpdir(), 'hpo-bench-serve-ab-'));
const storeDir = path.join(dir, 'store');
const cacheDir = path.join(dir, 'cache');

/** The bench task (see lib-serve.ts), exported once at `size`. */
async function makeTask(): Promise<string> {
  const { task, ckpt } = await makeServeTask(storeDir);
  await cachedExport(cacheDir, ckpt, task, size);
  return task;
}

const task = await makeTask();
const out = path.join(dir, 'ds');
await synthesizeDataset({ out, train: 1, val: 32, img: size, classes: 3, seed: 1 });
const folder = path.join(out, 'images', 'val');
const files = readdirSync(folder).filter((f) => f.endsWith('.jpg')).sort().map((f) => path.join(folder, f));

async function startServe(bin: string, extra: string[]): Promise<{ child: ChildProcess; port: number }> {
  const args = [bin, '--store', storeDir, 'serve', task, '--port', '0', '--size', String(size), '--cache-dir', cacheDir, '--max-batch', '16', '--max-wait-ms', '5', ...extra];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  for (;;) {
    const m = /at http:\/\/127\.0\.0\.1:(\d+)\//.exec(stderr);
    if (m) return { child, port: Number(m[1]) };
    if (child.exitCode !== null) throw new Error(`hpo serve exited: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Slice { ips: number; cpu: number; main: number; p50: number }

/** One slice of load on `s`: images/s, server CPU ms per image (all threads, main thread), p50 ms. */
async function slice(s: { child: ChildProcess; port: number }): Promise<Slice> {
  const spec = { port: s.port, path: '/v1/models/detector/predict', files, clients: Number(values.clients), seconds: Number(values.seconds), warmup: 4 };
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(import.meta.dirname, 'serve-load.ts'), JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let before = { total: 0, main: 0 };
  let result: Slice | undefined;
  for await (const line of createInterface({ input: child.stdout! })) {
    if (line === 'warm') before = processCpuMs(s.child.pid!);
    else if (line.startsWith('{')) {
      const after = processCpuMs(s.child.pid!);
      const r = JSON.parse(line) as { requests: number; seconds: number; p50Ms: number };
      result = { ips: r.requests / r.seconds, cpu: (after.total - before.total) / r.requests, main: (after.main - before.main) / r.requests, p50: r.p50Ms };
    }
  }
  if (!result) throw new Error('the load process gave no result');
  return result;
}

/** The middle value (the upper one of an even count). */
const median = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
const servers: Record<'A' | 'B', { child: ChildProcess; port: number }> = {
  A: await startServe(path.resolve(values.a), values['a-args'] ? values['a-args'].split(' ') : []),
  B: await startServe(path.resolve(values.b), values['b-args'] ? values['b-args'].split(' ') : []),
};
const res: Record<'A' | 'B', Slice[]> = { A: [], B: [] };
console.log(`bench:serve-ab  size ${size}  ${values.clients} clients  A = ${values.a} ${values['a-args']}  B = ${values.b} ${values['b-args']}  load average before: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
try {
  for (let i = 0; i < Number(values.slices); i++) {
    for (const k of i % 2 === 0 ? (['A', 'B'] as const) : (['B', 'A'] as const)) res[k].push(await slice(servers[k]));
    const a = res.A.at(-1)!, b = res.B.at(-1)!;
    console.log(`slice ${i}: A ${a.ips.toFixed(0)} img/s, ${a.cpu.toFixed(2)} CPU ms/img (main ${a.main.toFixed(2)}) | B ${b.ips.toFixed(0)} img/s, ${b.cpu.toFixed(2)} (main ${b.main.toFixed(2)}) | B/A ${(b.ips / a.ips).toFixed(2)} | load ${os.loadavg()[0].toFixed(2)}`);
  }
  const ratios = res.A.map((a, i) => res.B[i].ips / a.ips);
  const m = (k: 'A' | 'B', f: (s: Slice) => number) => median(res[k].map(f));
  console.log(`medians: img/s A ${m('A', (r) => r.ips).toFixed(0)} B ${m('B', (r) => r.ips).toFixed(0)}, B/A ${median(ratios).toFixed(2)} (B ahead in ${ratios.filter((r) => r > 1).length} of ${ratios.length}); ` +
    `server CPU ms/img A ${m('A', (r) => r.cpu).toFixed(2)} B ${m('B', (r) => r.cpu).toFixed(2)}; main thread A ${m('A', (r) => r.main).toFixed(2)} B ${m('B', (r) => r.main).toFixed(2)}; ` +
    `p50 ms A ${m('A', (r) => r.p50).toFixed(1)} B ${m('B', (r) => r.p50).toFixed(1)}; load average after: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
} finally {
  for (const s of Object.values(servers)) s.child.kill('SIGTERM');
  await Promise.all(Object.values(servers).map((s) => new Promise((r) => (s.child.exitCode !== null ? r(null) : s.child.once('exit', r)))));
  rmSync(dir, { recursive: true, force: true });
}

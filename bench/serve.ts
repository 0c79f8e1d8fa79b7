/**
 * bench:serve — the detection API's latency and throughput on loopback against ONNX Runtime's
 * bare forward pass at batch 16, in the same run: yolov5n (3 classes, seeded init) at 128 and
 * 320 px; batching on (max-batch 16, max-wait 5 ms) and off (max-batch 1); 1 and 8 clients, each
 * sending one JPEG of the synthetic dataset per request over a kept-alive connection. The server
 * is a real `hpo serve` process, the clients another process (bench/serve-load.ts), so neither's
 * event loop waits on the other's; on 2 cores they still share the CPU, which is why every line
 * also gives the CPU each side spent per image (from /proc) beside the load average.
 * After each size, the split of the per-image CPU: ONNX Runtime's forward as the server runs it
 * (the server's thread settings, at the mean batch size the server ran in that window, read from
 * its /metrics: the forward's cost per image depends on the batch, so a fixed batch 8 left a
 * negative "rest" at 320 px where the server ran smaller batches), the image decoding
 * (prepareImage), and the rest of the server (HTTP, JSON, NMS, batching, copies, garbage
 * collection: what is left of the server's CPU).
 * The bare reference runs one session with a thread per core, set explicitly: left to itself, ONNX
 * Runtime (onnxruntime-node 1.30) ran one thread on a 2-core EPYC box (979 img/s at 128 px and 1.03 CPU ms per image;
 * 1,389 img/s with 2 threads), which made the served figure look 0.74 of a bare pass that used
 * half the machine. A 1-thread line follows it.
 * Another bare line runs the forward as the server lays it out (its instances side by side in
 * worker threads, its threads each, no spinning), still without HTTP or decoding: the served
 * figure's ceiling on this machine.
 *   npm run bench:serve [-- --seconds 4 --sizes 128,320 --threads 1 --instances 2 --bin path/to/bin/hpo.js]
 * --bin serves with another build of hpo (an A/B of two checkouts in one run); SERVE_PROF=<dir>
 * cpu-profiles the server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { cachedExport, serveLayout } from '../src/serve/version-loader.ts';
import { createOnnxRuntime, type OnnxRuntimeOptions } from '../src/serve/runtime/onnx-runtime.ts';
import { createOnnxWorkerRuntime } from '../src/serve/runtime/onnx-worker-runtime.ts';
import { givePixels } from '../src/serve/pipeline/pixel-pool.ts';
import { prepareImage } from '../src/serve/pipeline/preprocess.ts';
import { synthesizeDataset } from '../src/trainers/yolov5/data/index.ts';
import { processCpuMs } from './lib-proc-cpu.ts';
import { makeServeTask } from './lib-serve.ts';

const { values } = parseArgs({ options: {
  seconds: { type: 'string', default: '4' }, sizes: { type: 'string', default: '128,320' }, threads: { type: 'string' }, instances: { type: 'string' },
  bin: { type: 'string', default: path.resolve(import.meta.dirname, '../bin/hpo.js') },
} });
const SECONDS = Number(values.seconds);
const SIZES = values.sizes.split(',').map(Number);
const THREADS = values.threads === undefined ? undefined : Number(values.threads);
const INSTANCES = values.instances === undefined ? undefined : Number(values.instances);
/** The server's ONNX Runtime layout: the flags given, else its defaults on this machine. */
const LAYOUT = { threads: THREADS ?? serveLayout().threads, instances: INSTANCES ?? serveLayout().instances };
const BIN = path.resolve(values.bin);
const CORES = os.availableParallelism();
const LOAD = path.resolve(import.meta.dirname, 'serve-load.ts');
const PREDICT = '/v1/models/detector/predict';

const dir = mkdtempSync(path.join(os.tmpdir(), 'hpo-bench-serve-'));
const storeDir = path.join(dir, 'store');
const cacheDir = path.join(dir, 'cache');
const load = () => os.loadavg().map((v) => v.toFixed(2)).join(' ');

/** The JPEG files of a synthetic dataset's val split at `size`. */
async function jpegFiles(size: number): Promise<string[]> {
  const out = path.join(dir, `ds-${size}`);
  await synthesizeDataset({ out, train: 1, val: 32, img: size, classes: 3, seed: 1 });
  const folder = path.join(out, 'images', 'val');
  return (await readdir(folder)).filter((f) => f.endsWith('.jpg')).sort().map((f) => path.join(folder, f));
}

/** ONNX Runtime forward of `batch` images in this process for about `seconds`: images/s and CPU ms per image. */
async function forward(bytes: Uint8Array, size: number, batch: number, seconds: number, opts: OnnxRuntimeOptions = {}): Promise<{ ips: number; cpuMs: number }> {
  const rt = await createOnnxRuntime(bytes, opts);
  const x = new Float32Array(batch * 3 * size * size).fill(0.5);
  for (let i = 0; i < 3; i++) await rt.run(x, batch);
  let images = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    await rt.run(x, batch);
    images += batch;
  }
  const ips = images / ((performance.now() - start) / 1000);
  const cpu = process.cpuUsage(cpu0);
  await rt.dispose();
  return { ips, cpuMs: (cpu.user + cpu.system) / 1000 / images };
}

/**
 * The forward as the server runs it: its instances (worker threads) each running batches of
 * `batch` back to back, side by side, with its threads and no spinning: images/s and CPU ms per image.
 */
async function forwardAsServed(bytes: Uint8Array, size: number, batch: number, seconds: number): Promise<{ ips: number; cpuMs: number }> {
  const rt = await createOnnxWorkerRuntime(bytes, { ...LAYOUT, spinning: false });
  const loop = async (until: number): Promise<number> => {
    let x: Float32Array = new Float32Array(batch * 3 * size * size).fill(0.5);
    let images = 0;
    while (performance.now() < until) {
      x = (await rt.run(x, batch)).input ?? x;
      images += batch;
    }
    return images;
  };
  await Promise.all(Array.from({ length: rt.concurrency }, () => loop(performance.now() + 300)));
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const counts = await Promise.all(Array.from({ length: rt.concurrency }, () => loop(start + seconds * 1000)));
  const images = counts.reduce((a, b) => a + b, 0);
  const ips = images / ((performance.now() - start) / 1000);
  const cpu = process.cpuUsage(cpu0);
  await rt.dispose();
  return { ips, cpuMs: (cpu.user + cpu.system) / 1000 / images };
}

/** CPU ms per image of decoding and letterboxing, one image at a time, as a request does it. */
async function decodeCpuMs(files: string[], size: number): Promise<number> {
  const bodies = await Promise.all(files.map((f) => readFile(f)));
  // Each array goes back to the pixel pool, as the batcher gives it back: a new 196 KB array per
  // image would charge this figure with the garbage collections that the server does not do.
  const prepare = async (i: number) => givePixels((await prepareImage(bodies[i % bodies.length], size)).pixels);
  // 500 first: WebAssembly code runs in V8's baseline tier for the first few hundred images (0.96
  // CPU ms per 128 px image over the first 400, 0.33 once optimised, as in a running server).
  for (let i = 0; i < 500; i++) await prepare(i);
  const n = 1000;
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await prepare(i);
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / 1000 / n;
}

async function startServe(task: string, size: number, batching: boolean): Promise<{ child: ChildProcess; port: number }> {
  const args = [...(process.env.SERVE_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.SERVE_PROF] : []), BIN, '--store', storeDir, 'serve', task, '--port', '0', '--size', String(size), '--cache-dir', cacheDir,
    '--max-batch', batching ? '16' : '1', '--max-wait-ms', batching ? '5' : '0', ...(THREADS ? ['--threads', String(THREADS)] : []), ...(INSTANCES ? ['--instances', String(INSTANCES)] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const m = /at http:\/\/127\.0\.0\.1:(\d+)\//.exec(stderr);
    if (m) return { child, port: Number(m[1]) };
    if (child.exitCode !== null) throw new Error(`hpo serve exited: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`hpo serve did not start: ${stderr}`);
}

interface LoadResult { requests: number; errors: number; p50Ms: number; p99Ms: number; seconds: number; cpuMs: number; serverCpuMs: number; serverMainMs: number; meanBatch: number }

/** Forward passes and the images they ran so far, from the server's batch-size histogram. */
async function batchTotals(port: number): Promise<{ images: number; batches: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const total = (name: string) => [...text.matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'gm'))].reduce((s, m) => s + Number(m[1]), 0);
  return { images: total('hpo_serve_batch_size_sum'), batches: total('hpo_serve_batch_size_count') };
}

/** Runs the load process against `server`; the server's CPU is read over the same window (after warm-up). */
async function drive(server: ChildProcess, port: number, files: string[], clients: number): Promise<LoadResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', LOAD, JSON.stringify({ port, path: PREDICT, files, clients, seconds: SECONDS, warmup: 8 })], { stdio: ['ignore', 'pipe', 'inherit'] });
  let before: ReturnType<typeof processCpuMs> | undefined;
  let batchesBefore: Promise<{ images: number; batches: number }> | undefined;
  let result: LoadResult | undefined;
  for await (const line of createInterface({ input: child.stdout! })) {
    if (line === 'warm') {
      before = processCpuMs(server.pid!);
      batchesBefore = batchTotals(port);
    } else if (line.startsWith('{')) {
      const after = processCpuMs(server.pid!);
      const [b0, b1] = [await batchesBefore!, await batchTotals(port)];
      result = { ...JSON.parse(line), serverCpuMs: after.total - before!.total, serverMainMs: after.main - before!.main, meanBatch: (b1.images - b0.images) / (b1.batches - b0.batches) };
    }
  }
  const code = await new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', r)));
  if (!result || code !== 0) throw new Error(`the load process failed (exit ${code})`);
  return result;
}

const col = (v: number | string, w: number, digits = 0) => (typeof v === 'number' ? (Number.isFinite(v) ? v.toFixed(digits) : '-') : v).padStart(w);

const { task, ckpt } = await makeServeTask(storeDir);
console.log(`bench:serve  yolov5n nc=3  node ${process.version}  ${os.cpus().length} cores  serve: ${LAYOUT.instances} instance(s) x ${LAYOUT.threads} thread(s)${THREADS || INSTANCES ? '' : ' (its defaults here)'}  ${path.relative(process.cwd(), BIN)}  load average before: ${load()}`);
console.log('CPU ms/img: server = all its threads, main = its JavaScript thread, client = the load process; load = 1-min load average at the end of the line');
console.log('size  mode         clients   p50 ms   p99 ms    img/s   vs bare  errors  server   main  client   load');
try {
  for (const size of SIZES) {
    const bytes = await cachedExport(cacheDir, ckpt, task, size);
    // The reference: one session on every core, ORT's spinning threads (as ONNX Runtime runs alone).
    const bare = await forward(bytes, size, 16, SECONDS, { threads: CORES });
    console.log(`${String(size).padEnd(5)} ${`bare ${CORES}t b=16`.padEnd(18)} -        -        - ${col(bare.ips, 8)}      1.00       - ${col(bare.cpuMs, 6, 2)}      -       - ${os.loadavg()[0].toFixed(2).padStart(6)}  (the reference)`);
    if (CORES > 1) {
      const one = await forward(bytes, size, 16, SECONDS, { threads: 1 });
      console.log(`${String(size).padEnd(5)} bare 1t b=16       -        -        - ${col(one.ips, 8)} ${col(one.ips / bare.ips, 9, 2)}       - ${col(one.cpuMs, 6, 2)}      -       - ${os.loadavg()[0].toFixed(2).padStart(6)}`);
    }
    const asServed = await forwardAsServed(bytes, size, 16, SECONDS);
    console.log(`${String(size).padEnd(5)} ${`bare ${LAYOUT.instances}x${LAYOUT.threads}t b=16`.padEnd(18)} -        -        - ${col(asServed.ips, 8)} ${col(asServed.ips / bare.ips, 9, 2)}       - ${col(asServed.cpuMs, 6, 2)}      -       - ${os.loadavg()[0].toFixed(2).padStart(6)}  (the server's instances side by side, no spinning)`);
    const files = await jpegFiles(size);
    const served: LoadResult[] = [];
    for (const batching of [true, false]) {
      const { child, port } = await startServe(task, size, batching);
      try {
        for (const clients of [1, 8]) {
          const r = await drive(child, port, files, clients);
          if (clients === 8 && batching) served.push(r);
          const ips = r.requests / r.seconds;
          console.log(`${String(size).padEnd(5)} ${(batching ? 'batching on' : 'batching off').padEnd(12)} ${col(clients, 7)} ${col(r.p50Ms, 8, 1)} ${col(r.p99Ms, 8, 1)} ${col(ips, 8)} ${col(ips / bare.ips, 9, 2)} ${col(r.errors, 7)} ${col(r.serverCpuMs / r.requests, 6, 2)} ${col(r.serverMainMs / r.requests, 6, 2)} ${col(r.cpuMs / r.requests, 7, 2)} ${os.loadavg()[0].toFixed(2).padStart(6)}`);
        }
      } finally {
        child.kill('SIGTERM');
        await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      }
    }
    // Where the CPU of one served image goes (batching on, 8 clients), measured piece by piece here.
    const s = served[0];
    const batch = Math.max(1, Math.round(s.meanBatch));
    const fwd = await forward(bytes, size, batch, Math.min(SECONDS, 3), { threads: LAYOUT.threads, spinning: false });
    const decode = await decodeCpuMs(files, size);
    const serverMs = s.serverCpuMs / s.requests;
    const clientMs = s.cpuMs / s.requests;
    const total = serverMs + clientMs;
    console.log(`${String(size).padEnd(5)} CPU ms per served image (batching on, 8 clients): forward ${fwd.cpuMs.toFixed(2)} (batch ${batch}: the server's mean ${s.meanBatch.toFixed(1)}; one instance, ${LAYOUT.threads} thread(s), no spinning), decode ${decode.toFixed(2)}, rest of the server ${(serverMs - fwd.cpuMs - decode).toFixed(2)}, client ${clientMs.toFixed(2)}; all ${total.toFixed(2)} -> at most ${(os.cpus().length * 1000 / total).toFixed(0)} img/s on ${os.cpus().length} cores  (load ${load()})`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`load average after: ${load()}`);

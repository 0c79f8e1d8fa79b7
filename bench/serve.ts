/**
 * bench:serve — the detection API's latency and throughput on loopback against ONNX Runtime's
 * bare forward pass at batch 16, in the same run: yolov5n (3 classes, seeded init) at 128 and
 * 320 px; batching on (max-batch 16, max-wait 5 ms) and off (max-batch 1); 1 and 8 clients, each
 * sending one JPEG per request over a kept-alive connection. The server is a real `hpo serve`
 * process; requests are bounded by count and time. Quote the load average printed with it.
 *   npm run bench:serve [-- --seconds 4 --sizes 128,320]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { initInferenceBackend } from '../src/serve/model-source.ts';
import { cachedExport } from '../src/serve/version-loader.ts';
import { createOnnxRuntime } from '../src/serve/runtime/onnx-runtime.ts';
import { openStore } from '../src/store/index.ts';
import { FolderArtifactStore, saveTaskArtifact } from '../src/artifacts/index.ts';
import { encodeCheckpoint, decodeCheckpoint } from '../src/trainers/yolov5/train/checkpoint.ts';
import { synthesizeDataset } from '../src/trainers/yolov5/data/index.ts';
import { createYoloModel } from '../src/trainers/yolov5/model/index.ts';
import { quantile } from './lib-stats.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '4' }, sizes: { type: 'string', default: '128,320' } } });
const SECONDS = Number(values.seconds);
const SIZES = values.sizes.split(',').map(Number);
const BIN = path.resolve(import.meta.dirname, '../bin/hpo.js');
const MAX_REQUESTS = 20000;

const dir = mkdtempSync(path.join(os.tmpdir(), 'hpo-bench-serve-'));
const storeDir = path.join(dir, 'store');
const cacheDir = path.join(dir, 'cache');

async function makeTask(): Promise<{ task: string; ckpt: ReturnType<typeof decodeCheckpoint> }> {
  await initInferenceBackend();
  const model = createYoloModel({ size: 'n', nc: 3, seed: 0 });
  const store = await openStore(storeDir);
  const task = await store.create({ name: 'bench', project: 'bench', type: 'training', trainer: { type: 'yolov5' }, params: {} });
  const bytes = encodeCheckpoint({ epoch: 0, bestFitness: 0, emaUpdates: 0, model: { size: 'n', nc: 3, imgSize: 128, names: ['circle', 'square', 'triangle'] }, weights: model.serialize(), createdAt: new Date().toISOString() });
  await saveTaskArtifact(store, new FolderArtifactStore(path.join(storeDir, 'artifacts')), task.id, 'best.bin', bytes);
  await store.close();
  model.dispose();
  return { task: task.id, ckpt: decodeCheckpoint(bytes, 'bench') };
}

async function jpegs(size: number): Promise<Buffer[]> {
  const out = path.join(dir, `ds-${size}`);
  await synthesizeDataset({ out, train: 1, val: 32, img: size, classes: 3, seed: 1 });
  const folder = path.join(out, 'images', 'val');
  const files = (await readdir(folder)).filter((f) => f.endsWith('.jpg')).sort();
  return Promise.all(files.map((f) => readFile(path.join(folder, f))));
}

/** Bare ONNX Runtime forward at batch 16 (all threads), images/s over about `SECONDS`. */
async function bareForward(bytes: Uint8Array, size: number): Promise<number> {
  const rt = await createOnnxRuntime(bytes);
  const x = new Float32Array(16 * 3 * size * size).fill(0.5);
  for (let i = 0; i < 3; i++) await rt.run(x, 16);
  let images = 0;
  const start = performance.now();
  while (performance.now() - start < SECONDS * 1000) {
    await rt.run(x, 16);
    images += 16;
  }
  const ips = images / ((performance.now() - start) / 1000);
  await rt.dispose();
  return ips;
}

async function startServe(task: string, size: number, batching: boolean): Promise<{ child: ChildProcess; port: number }> {
  const args = [...(process.env.SERVE_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.SERVE_PROF] : []), BIN, '--store', storeDir, 'serve', task, '--port', '0', '--size', String(size), '--cache-dir', cacheDir,
    '--max-batch', batching ? '16' : '1', '--max-wait-ms', batching ? '5' : '0'];
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

function post(agent: Agent, port: number, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, agent, method: 'POST', path: '/v1/models/detector/predict', headers: { 'content-type': 'image/jpeg', 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `clients` loops for SECONDS (after a short warm-up); latencies in ms and images/s. */
async function drive(port: number, images: Buffer[], clients: number): Promise<{ p50: number; p99: number; ips: number; errors: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  for (let i = 0; i < 8; i++) await post(agent, port, images[i % images.length]);
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  const start = performance.now();
  const end = start + SECONDS * 1000;
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    let k = c;
    while (performance.now() < end && sent < MAX_REQUESTS) {
      sent++;
      const t0 = performance.now();
      const status = await post(agent, port, images[k++ % images.length]);
      latencies.push(performance.now() - t0);
      if (status !== 200) errors++;
    }
  }));
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  return { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), ips: latencies.length / elapsed, errors };
}

const { task, ckpt } = await makeTask();
console.log(`bench:serve  yolov5n nc=3  node ${process.version}  ${os.cpus().length} cores  load average before: ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
console.log('size  mode         clients   p50 ms   p99 ms    img/s   vs bare   errors');
for (const size of SIZES) {
  const bytes = await cachedExport(cacheDir, ckpt, task, size);
  const bare = await bareForward(bytes, size);
  console.log(`${String(size).padEnd(5)} bare b=16          -        -        -  ${bare.toFixed(0).padStart(7)}      1.00        -`);
  const images = await jpegs(size);
  for (const batching of [true, false]) {
    const { child, port } = await startServe(task, size, batching);
    try {
      for (const clients of [1, 8]) {
        const r = await drive(port, images, clients);
        console.log(`${String(size).padEnd(5)} ${(batching ? 'batching on' : 'batching off').padEnd(12)} ${String(clients).padStart(7)} ${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)} ${r.ips.toFixed(0).padStart(8)} ${(r.ips / bare).toFixed(2).padStart(9)} ${String(r.errors).padStart(8)}`);
      }
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }
}
console.log(`load average after: ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);

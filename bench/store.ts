// Store overhead: ops/s and mean latency of the calls the study loop makes per trial.
// Run: node --import tsx bench/store.ts [--root DIR]   (default: a temp folder, removed after)
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTaskStore } from '../src/store/file-store.ts';
import { captureEnvironment } from '../src/worker/environment.ts';
import type { NewTask } from '../src/core/index.ts';

const rootArg = process.argv.indexOf('--root');
const dir = rootArg > 0 ? process.argv[rootArg + 1] : mkdtempSync(join(tmpdir(), 'hpo-bench-store-'));
const N = 300;
const base: NewTask = { name: 'trial', project: 'bench', type: 'training', trainer: { type: 'yolov5' }, params: { 'hyp/lr0': 0.01, 'hyp/momentum': 0.937, 'args/epochs': 30, 'args/img': 640 } };

/** Wall time per op, and this process's CPU time per op (user+system): the part another load cannot inflate. */
async function measure(label: string, n: number, op: (i: number) => Promise<unknown>): Promise<void> {
  const warm = Math.min(20, n);
  for (let i = 0; i < warm; i++) await op(i); // warm up
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = warm; i < warm + n; i++) await op(i);
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const cpuUs = (used.user + used.system) / n;
  console.log(
    `${label.padEnd(38)} ${Math.round((n / ms) * 1000).toString().padStart(7)} ops/s  ${((ms / n) * 1000).toFixed(0).padStart(6)} us/op wall  ${cpuUs.toFixed(0).padStart(6)} us/op cpu`,
  );
}

console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);
try {
  for (const durable of [true, false]) {
    const store = new FileTaskStore({ root: join(dir, durable ? 'durable' : 'fast'), durable });
    console.log(`-- durable=${durable} (fdatasync each snapshot: ${durable ? 'yes' : 'no'})`);
    const ids: string[] = [];
    await measure('create', N, async () => ids.push((await store.create({ ...base, status: 'queued' })).id));
    await measure('get', N, (i) => store.get(ids[i % ids.length]));
    await measure('setStatus queued->running (CAS)', N, (i) => store.setStatus(ids[i], 'running', { expect: ['queued'] }));
    await measure('appendScalars (8 values)', N * 3, (i) =>
      store.appendScalars(ids[i % ids.length], i, { 'metrics/mAP_0.5:0.95': 0.3, 'metrics/mAP_0.5': 0.5, 'metrics/precision': 0.6, 'metrics/recall': 0.5, 'train/box_loss': 0.05, 'train/obj_loss': 0.03, 'val/box_loss': 0.04, 'x/lr0': 0.01 }),
    );
    await measure('update heartbeat', N, (i) => store.update(ids[i], { heartbeatAt: Date.now() }));
    await measure('getScalars (3 steps x 8)', N, (i) => store.getScalars(ids[i]));
    await measure(`list({ status }) over ${ids.length + 20} tasks`, 20, () => store.list({ status: 'running' }));
    // What the study loop pays per trial (outside epochs) and per epoch of a trial.
    await measure('trial: create+running+completed+result', 100, async () => {
      const { id } = await store.create({ ...base, status: 'queued' });
      await store.setStatus(id, 'running', { expect: ['queued'] });
      await store.update(id, { result: { value: 0.5 } });
      await store.setStatus(id, 'completed');
    });
    await measure('epoch: appendScalars+heartbeat+get', N, async (i) => {
      const id = ids[i % 20];
      await store.appendScalars(id, 1000 + i, { 'metrics/mAP_0.5:0.95': 0.3, 'train/box_loss': 0.05 });
      await store.update(id, { heartbeatAt: i });
      await store.get(id);
    });
  }
  let t = performance.now();
  await captureEnvironment(process.cwd());
  const first = performance.now() - t;
  t = performance.now();
  await captureEnvironment(process.cwd());
  console.log(`captureEnvironment: first ${first.toFixed(1)} ms, cached ${(performance.now() - t).toFixed(2)} ms`);
} finally {
  if (rootArg < 0) rmSync(dir, { recursive: true, force: true });
}

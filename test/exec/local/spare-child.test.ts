import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileTaskStore } from '../../../src/store/index.ts';
import { LocalExecutor } from '../../../src/exec/local/local-executor.ts';
import { runInChild } from '../../../src/exec/local/run-in-child.ts';
import { SpareShelf } from '../../../src/exec/local/spare-shelf.ts';
import { CHILD_ENTRY } from '../../../src/worker/index.ts';
import type { TrialOutcome } from '../../../src/study/executor.ts';
import { smokeParams, tinyDataset } from '../../trainers/yolov5/train/fixtures.ts';

/** Pids of this process's children whose command line has `--spare`: the executor's spare trial process. */
async function spares(): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = (await readFile(`/proc/${name}/cmdline`, 'utf8')).split('\0');
      if (ppid === process.pid && cmdline.includes('--spare')) found.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('LocalExecutor spare child', () => {
  let dir: string;
  let store: FileTaskStore;
  let executor: LocalExecutor;
  const finished = new Map<string, TrialOutcome>();

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hpo-spare-'));
    store = new FileTaskStore({ root: dir });
    finished.clear();
    executor = new LocalExecutor({
      store, storeSpec: dir, childEntry: CHILD_ENTRY, concurrency: 1, graceMs: 2000,
      events: { started: () => {}, reported: () => {}, finished: (id, outcome) => finished.set(id, outcome) },
    });
  });
  afterEach(async () => {
    await executor.close();
    await rm(dir, { recursive: true, force: true });
  });

  const trial = (name: string) =>
    store.create({ name, project: 'spare', type: 'training', status: 'queued', trainer: { type: 'function', objective: 'learning-curve', epochMs: 0 }, params: { 'hyp/lr0': 0.01, 'args/epochs': 2 } });
  const run = async (name: string) => {
    const task = await trial(name);
    await executor.submit(task);
    const outcome = await until(async () => finished.get(task.id));
    return { outcome, task: await store.get(task.id) };
  };

  it('runs the next trial in the process it forked ahead, and kills the unused spare on close', async () => {
    const first = await run('first');
    expect(first.outcome.status).toBe('completed');
    const [spare] = await until(async () => ((await spares()).length === 1 ? spares() : undefined));
    // A spare starts TF.js while the slot's job may still train on the same GPU: TensorFlow must not take all its memory.
    expect((await readFile(`/proc/${spare}/environ`, 'utf8')).split('\0')).toContain('TF_FORCE_GPU_ALLOW_GROWTH=true');
    expect(first.task.environment?.run?.pid).not.toBe(spare);

    const second = await run('second');
    expect(second.outcome.status).toBe('completed');
    expect(second.task.environment?.run?.pid).toBe(spare);
    expect(process.env.HPO_TASK_ID).toBeUndefined();

    await until(async () => ((await spares()).length === 1 ? true : undefined));
    await executor.close();
    expect(await spares()).toEqual([]);
  });

  it("with a study's trainer to preload, forks the spare at once and runs the first trial in it", async () => {
    await executor.close();
    executor = new LocalExecutor({
      store, storeSpec: dir, childEntry: CHILD_ENTRY, concurrency: 1, graceMs: 2000, preload: 'function',
      events: { started: () => {}, reported: () => {}, finished: (id, outcome) => finished.set(id, outcome) },
    });
    const [spare] = await until(async () => ((await spares()).length === 1 ? spares() : undefined));
    const first = await run('first');
    expect(first.outcome.status).toBe('completed');
    expect(first.task.environment?.run?.pid).toBe(spare);
  });

  it('forks a fresh process when the spare died before its turn', async () => {
    await run('first');
    const [spare] = await until(async () => ((await spares()).length === 1 ? spares() : undefined));
    process.kill(spare, 'SIGKILL');
    const second = await run('second');
    expect(second.outcome.status).toBe('completed');
    expect(second.task.environment?.run?.pid).not.toBe(spare);
  });

  it('runs a YOLOv5 trial in a spare its trainer preloaded, switching to the backend the task asks for', async () => {
    const { dir: data, yaml } = await tinyDataset(1);
    try {
      const yolo = async (name: string, backend: string) => {
        const task = await store.create({ name, project: 'spare', type: 'training', status: 'queued', trainer: { type: 'yolov5' }, params: smokeParams(yaml, { 'args/backend': backend, 'args/noplots': true }) });
        await executor.submit(task);
        const outcome = await until(async () => finished.get(task.id));
        return { outcome, task: await store.get(task.id) };
      };
      const first = await yolo('first', 'wasm');
      expect(first.outcome.status).toBe('completed');
      const [spare] = await until(async () => ((await spares()).length === 1 ? spares() : undefined));
      // Its preload started the auto backend (wasm here) and a batch thread; this task wants cpu.
      const second = await yolo('second', 'cpu');
      expect(second.outcome).toMatchObject({ status: 'completed' });
      expect(second.task.environment?.run?.pid).toBe(spare);
      expect(second.task.environment?.backend).toBe('cpu');
      expect(Object.keys(await store.getScalars(second.task.id))).toContain('metrics/mAP_0.5:0.95');
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  });

  it("runs an agent slot's next job in the spare forked with that slot's environment, and no other's", async () => {
    const shelf = new SpareShelf();
    try {
      const job = async (name: string, slot: string) => {
        const task = await trial(name);
        const outcome = await runInChild(task, { store, storeSpec: dir, childEntry: CHILD_ENTRY, spares: shelf, env: { CUDA_VISIBLE_DEVICES: slot } });
        return { outcome, task: await store.get(task.id) };
      };
      const first = await job('first', '0');
      expect(first.outcome.status).toBe('completed');
      const [spare0] = await until(async () => ((await spares()).length === 1 ? spares() : undefined));
      const other = await job('other slot', '1'); // slot 1 has no spare yet: a process of its own
      expect(other.outcome.status).toBe('completed');
      expect(other.task.environment?.run?.pid).not.toBe(spare0);
      expect(other.task.environment?.run?.gpu).toBe('1');
      const second = await job('second', '0');
      expect(second.outcome.status).toBe('completed');
      expect(second.task.environment?.run?.pid).toBe(spare0);
      expect(second.task.environment?.run?.gpu).toBe('0');
      await until(async () => ((await spares()).length === 2 ? true : undefined));
    } finally {
      await shelf.close();
    }
    expect(await spares()).toEqual([]);
  });
});

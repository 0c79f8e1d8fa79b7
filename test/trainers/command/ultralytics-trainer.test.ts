import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Params, Pruner, TrainerRef } from '../../../src/core/index.ts';
import { FileTaskStore } from '../../../src/store/index.ts';
import { ArtifactStores, FolderArtifactStore, readTaskArtifact } from '../../../src/artifacts/index.ts';
import { createTaskRunner } from '../../../src/worker/run-task.ts';
import { parseResultsCsv } from '../../../src/trainers/command/results-csv.ts';
import { TRAIN_ARGS_V7, MANAGED_ARGS } from '../../../src/trainers/ultralytics/train-args.ts';
import { tempDir } from '../../helpers/temp.ts';
import { runLocalStudy } from '../../study/study-harness.ts';
import { PYTHON, fixtureParams, fixtureTrainer } from './fixture.ts';

/** A trial's private scratch folder: `<work>/<task-id>-<random>` (mkdtemp). */
function trialDirOf(work: string, taskId: string): string {
  const found = readdirSync(work).filter((f) => f.startsWith(`${taskId}-`));
  if (found.length !== 1) throw new Error(`expected one scratch folder for ${taskId} in ${work}, found ${found.join(', ') || 'none'}`);
  return path.join(work, found[0]);
}

/** A task's artifact from the store beside the file task store (where trials write by default). */
function readArtifact(store: FileTaskStore, id: string, name: string): Promise<Buffer> {
  return readTaskArtifact(store, new ArtifactStores(new FolderArtifactStore(path.join(store.root, 'artifacts'))), id, name);
}

describe('yolov5-ultralytics trainer on a stand-in train.py', { timeout: 120_000 }, () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  async function template(store: FileTaskStore, params: Params, trainer: TrainerRef = fixtureTrainer()) {
    return store.create({ name: 'u', project: 'test', type: 'training', trainer, params: fixtureParams(params), status: 'queued' });
  }

  /** The results.csv a trial's train.py wrote, as stored among its artifacts. */
  async function storedCsv(store: FileTaskStore, id: string) {
    return parseResultsCsv((await readArtifact(store, id, 'results.csv')).toString('utf8'));
  }

  it('three concurrent trials each report their own results.csv, every column under its name, with weights and plots as artifacts', async () => {
    const store = new FileTaskStore({ root: dir });
    const base = await template(store, { 'args/epochs': 4 }, fixtureTrainer(0.3));
    const { controllerId } = await runLocalStudy(dir, store, base.id, {
      space: { 'hyp/lr0': { type: 'categorical', choices: [0.1, 0.2, 0.3] } },
      strategy: { type: 'grid' },
      budget: { maxTrials: 3, concurrency: 3 },
    });
    const trials = await store.list({ parent: controllerId });
    expect(trials).toHaveLength(3);
    const starts = trials.map((t) => t.startedAt!);
    const ends = trials.map((t) => t.finishedAt!);
    // They overlapped: every trial started before any finished.
    expect(Math.max(...starts)).toBeLessThan(Math.min(...ends));
    const finals = new Set<number>();
    for (const trial of trials) {
      expect(trial.status).toBe('completed');
      const scalars = await store.getScalars(trial.id);
      const csv = await storedCsv(store, trial.id);
      expect(csv.map((r) => r.epoch)).toEqual([0, 1, 2, 3]);
      // Every column of its own file, under its own name, epoch for epoch.
      for (const [name, series] of Object.entries(scalars)) {
        expect(series.map((p) => p.value)).toEqual(csv.map((r) => r.scalars[name]));
      }
      expect(Object.keys(scalars)).toEqual(expect.arrayContaining(['metrics/mAP_0.5:0.95', 'metrics/mAP_0.5', 'train/box_loss', 'x/lr0']));
      const last = scalars['metrics/mAP_0.5:0.95'].at(-1)!.value;
      expect(last).toBeCloseTo(Number(trial.params['hyp/lr0']), 5);
      finals.add(last);
      for (const name of ['best.pt', 'last.pt', 'results.png', 'confusion_matrix.png', 'PR_curve.png', 'labels.jpg', 'train_batch0.jpg', 'val_batch0_pred.jpg', 'hyp.yaml']) {
        expect(trial.artifacts[name], name).toBeDefined();
      }
      expect((await readArtifact(store, trial.id, 'last.pt')).toString()).toBe('epoch 3');
    }
    expect(finals.size).toBe(3);
  });

  it('a pruned trial is interrupted (SIGINT), ends stopped, and the epochs it finished count', async () => {
    const store = new FileTaskStore({ root: dir });
    const base = await template(store, { 'args/epochs': 40 }, fixtureTrainer(0.25));
    const pruneAfterTwo: Pruner = {
      name: 'after-two',
      shouldPrune: (_view, trial) => (trial.intermediate.length >= 2 ? { prune: true, reason: 'test' } : { prune: false }),
    };
    const { controllerId } = await runLocalStudy(dir, store, base.id, { space: { 'hyp/lr0': { type: 'categorical', choices: [0.05] } }, budget: { maxTrials: 1, concurrency: 1 } }, { pruner: pruneAfterTwo });
    const [trial] = await store.list({ parent: controllerId });
    expect(trial.status).toBe('stopped');
    expect(trial.ending).toEqual({ kind: 'pruned', reason: 'test' });
    expect(await store.readLog(trial.id)).toContain('KeyboardInterrupt');
    const reported = (await store.getScalars(trial.id))['metrics/mAP_0.5:0.95'];
    const csv = await storedCsv(store, trial.id);
    expect(reported.length).toBeGreaterThanOrEqual(2);
    expect(reported.length).toBeLessThan(40);
    expect(reported.map((p) => p.step)).toEqual(csv.map((r) => r.epoch));
    expect(trial.artifacts['last.pt']).toBeDefined();
  });

  it('every flag it generates is one train.py argparse accepts, spelled as train.py spells it', async () => {
    const samples: Record<string, string | number | boolean> = {
      weights: '', cfg: 'models/yolov5n.yaml', data: 'data/x.yaml', epochs: 1, batch_size: 4, imgsz: 64, resume: false, evolve: false,
      bucket: 'b', cache: 'disk', device: 'cpu', optimizer: 'AdamW', workers: 0, label_smoothing: 0.1, patience: 7, freeze: '0 1 2',
      save_period: 2, seed: 3, local_rank: -1, entity: 'e', upload_dataset: true, bbox_interval: 5, artifact_alias: 'v1',
    };
    const params: Params = {};
    for (const [dest, arg] of Object.entries(TRAIN_ARGS_V7)) {
      if (MANAGED_ARGS.has(dest) || dest === 'hyp') continue;
      params[`args/${dest}`] = arg.kind === 'switch' ? true : samples[dest];
      expect(params[`args/${dest}`], dest).toBeDefined();
    }
    const store = new FileTaskStore({ root: dir });
    const task = await template(store, params);
    const work = path.join(dir, 'work');
    const outcome = await createTaskRunner(store, { workRoot: work, keepWorkDir: true })(task.id, { signal: new AbortController().signal });
    expect(outcome, await store.readLog(task.id)).toEqual({ status: 'completed', ending: { kind: 'completed', reason: 'completed' } });
    const opt = JSON.parse(await readFile(path.join(trialDirOf(work, task.id), 'exp', 'opt.json'), 'utf8'));
    for (const [dest, arg] of Object.entries(TRAIN_ARGS_V7)) {
      if (MANAGED_ARGS.has(dest) || dest === 'hyp') continue;
      // As argparse stores them: a list of ints, an omitted nargs='?' arg at its default (None / False).
      const parsed: Record<string, unknown> = { freeze: [0, 1, 2], evolve: null };
      const expected = arg.kind === 'switch' ? true : dest in parsed ? parsed[dest] : samples[dest];
      expect(opt[dest], dest).toEqual(expected);
    }
    expect(opt.project).toBe(trialDirOf(work, task.id));
    expect(opt.name).toBe('exp');
    expect(opt.exist_ok).toBe(true);
    // hyp.yaml holds every key of the checkout's defaults, with ours over them.
    expect(await readFile(opt.hyp, 'utf8')).toMatch(/^lr0: 0.01$[\s\S]*^copy_paste: 0$/m);
  });

  it('passes false store_true flags as nothing and a list as separate arguments', async () => {
    const store = new FileTaskStore({ root: dir });
    const task = await template(store, { 'args/cos_lr': false, 'args/noplots': true, 'args/freeze': '10', 'args/imgsz': 96, 'args/cache': false, 'hyp/mosaic': 0.5 });
    const work = path.join(dir, 'work');
    await createTaskRunner(store, { workRoot: work, keepWorkDir: true })(task.id, { signal: new AbortController().signal });
    const opt = JSON.parse(await readFile(path.join(trialDirOf(work, task.id), 'exp', 'opt.json'), 'utf8'));
    expect(opt).toMatchObject({ cos_lr: false, noplots: true, freeze: [10], imgsz: 96, cache: null });
    expect(await readFile(opt.hyp, 'utf8')).toContain('mosaic: 0.5');
    const log = await store.readLog(task.id);
    expect(log).toMatch(/command: \S+ \S+train\.py --epochs 3 --weights "" --imgsz 96 .*--noplots --freeze 10 --hyp /);
    expect(log).not.toContain('--cos-lr');
    expect((await store.get(task.id)).artifacts['results.png']).toBeUndefined();
  });

  it('fetches --weights <task-id>/best.pt from that task and passes a local path', async () => {
    const store = new FileTaskStore({ root: dir });
    const first = await template(store, { 'args/epochs': 2 });
    const work = path.join(dir, 'work');
    const run = createTaskRunner(store, { workRoot: work, keepWorkDir: true });
    await run(first.id, { signal: new AbortController().signal });
    const second = await template(store, { 'args/weights': `${first.id}/best.pt` });
    expect(await run(second.id, { signal: new AbortController().signal })).toEqual({ status: 'completed', ending: { kind: 'completed', reason: 'completed' } });
    const opt = JSON.parse(await readFile(path.join(trialDirOf(work, second.id), 'exp', 'opt.json'), 'utf8'));
    expect(opt.weights).toBe(path.join(trialDirOf(work, second.id), `weights-${first.id}-best.pt`));
    expect(await readFile(opt.weights, 'utf8')).toBe('epoch 1');
    // The whole experiment: the interpreter and its packages, and who ran it.
    const env = (await store.get(second.id)).environment!;
    expect(env.python).toMatchObject({ executable: PYTHON, version: expect.stringMatching(/^3\./) });
    expect(env.python!.packages.length).toBeGreaterThan(0);
    expect(env.run).toEqual({ pid: process.pid });
  });

  it('fails clearly when args/yolov5_dir has no train.py', async () => {
    const store = new FileTaskStore({ root: dir });
    const task = await template(store, { 'args/yolov5_dir': dir });
    const outcome = await createTaskRunner(store, { workRoot: path.join(dir, 'work'), keepWorkDir: true })(task.id, { signal: new AbortController().signal });
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toBe(`args/yolov5_dir ${JSON.stringify(dir)} has no train.py: point it at a YOLOv5 v7.0 checkout (git clone -b v7.0 https://github.com/ultralytics/yolov5).`);
  });
});

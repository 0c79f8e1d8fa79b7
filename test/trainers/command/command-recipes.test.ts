import { readdirSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Params, TrainerRef } from '../../../src/core/index.ts';
import { FileTaskStore } from '../../../src/store/index.ts';
import { createTaskRunner } from '../../../src/worker/run-task.ts';
import { tempDir } from '../../helpers/temp.ts';
import { FIXTURE_DIR, FIXTURE_TRAIN, PYTHON } from './fixture.ts';

const run = promisify(execFile);

/** Prints its argv and env as JSON: what a program started by the command trainer received. */
const ECHO = `import json, os, sys; print(json.dumps({"argv": sys.argv[1:], "cwd": os.getcwd(), "env": os.environ.get("EXTRA", "")}))`;

/** A trial's private scratch folder: `<work>/<task-id>-<random>` (mkdtemp). */
function trialDirOf(work: string, taskId: string): string {
  const found = readdirSync(work).filter((f) => f.startsWith(`${taskId}-`));
  if (found.length !== 1) throw new Error(`expected one scratch folder for ${taskId} in ${work}, found ${found.join(', ') || 'none'}`);
  return path.join(work, found[0]);
}

describe('command trainer recipes', { timeout: 120_000 }, () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  async function runTask(trainer: TrainerRef, params: Params) {
    const store = new FileTaskStore({ root: path.join(dir, '.hpo') });
    const task = await store.create({ name: 'c', project: 'test', type: 'training', status: 'queued', trainer, params });
    const outcome = await createTaskRunner(store, { workRoot: path.join(dir, 'work'), keepWorkDir: true })(task.id, { signal: new AbortController().signal });
    return { store, task, outcome, trialDir: trialDirOf(path.join(dir, 'work'), task.id) };
  }

  async function echoed(trainer: Partial<TrainerRef>, params: Params) {
    await writeFile(path.join(dir, 'echo.py'), ECHO);
    const result = await runTask({ type: 'command', command: PYTHON, args: [path.join(dir, 'echo.py')], ...trainer }, params);
    const line = (await result.store.readLog(result.task.id)).split('\n').find((l) => l.startsWith('{'))!;
    return { ...result, seen: JSON.parse(line) as { argv: string[]; cwd: string; env: string } };
  }

  it('spells params in each flag style; {trialDir} expands in args, env, cwd and values', async () => {
    const params = { 'args/epochs': 3, 'args/cos_lr': true, 'args/noplots': false, 'args/out': '{trialDir}/o' };
    const space = await echoed({ args: [path.join(dir, 'echo.py'), '--project', '{trialDir}'], env: { EXTRA: 'in {trialDir}' }, cwd: '{trialDir}' }, params);
    const t = space.trialDir;
    expect(space.seen).toEqual({ argv: ['--project', t, '--epochs', '3', '--cos_lr', '--out', `${t}/o`], cwd: t, env: `in ${t}` });
    const equals = await echoed({ flagStyle: 'equals' }, params);
    expect(equals.seen.argv).toEqual(['--epochs=3', '--cos_lr', `--out=${equals.trialDir}/o`]);
  });

  it('key=value style for Ultralytics v8 `yolo detect train`: hyps too, booleans as True/False', async () => {
    const { seen } = await echoed({ args: [path.join(dir, 'echo.py'), 'detect', 'train', 'project={trialDir}'], flagStyle: 'key=value', hyp: 'args' }, {
      'args/epochs': 2,
      'args/cos_lr': true,
      'args/plots': false,
      'hyp/lr0': 0.02,
    });
    expect(seen.argv.slice(2)).toEqual([expect.stringMatching(/^project=\//), 'lr0=0.02', 'epochs=2', 'cos_lr=True', 'plots=False']);
  });

  it('the train.py recipe: --project {trialDir} --exist-ok, hyp.yaml over hypDefaults, resultsCsv relative to the trial folder', async () => {
    const recipe: TrainerRef = {
      type: 'command',
      command: PYTHON,
      args: [FIXTURE_TRAIN, '--project', '{trialDir}', '--name', 'exp', '--exist-ok', '--weights', ''],
      hypDefaults: path.join(FIXTURE_DIR, 'data/hyps/hyp.scratch-low.yaml'),
      resultsCsv: 'exp/results.csv',
      artifacts: ['exp/weights/best.pt', 'exp/*.png'],
      pollSeconds: 0.1,
    };
    const a = await runTask(recipe, { 'args/epochs': 2, 'hyp/lr0': 0.3 });
    const b = await runTask(recipe, { 'args/epochs': 2, 'hyp/lr0': 0.7 });
    for (const [r, lr0] of [[a, 0.3], [b, 0.7]] as const) {
      expect(r.outcome, await r.store.readLog(r.task.id)).toEqual({ status: 'completed', ending: { kind: 'completed', reason: 'completed' } });
      expect((await r.store.getScalars(r.task.id))['metrics/mAP_0.5:0.95'].map((p) => p.value)).toEqual([lr0 / 2, lr0]);
      expect(Object.keys((await r.store.get(r.task.id)).artifacts).sort()).toEqual(['F1_curve.png', 'PR_curve.png', 'P_curve.png', 'R_curve.png', 'best.pt', 'confusion_matrix.png', 'results.png']);
    }
  });

  it('the stand-in numbers its runs exp, exp2, ... without --exist-ok, like train.py (why each trial needs its own folder)', async () => {
    const args = [FIXTURE_TRAIN, '--epochs', '1', '--project', path.join(dir, 'runs'), '--hyp', path.join(FIXTURE_DIR, 'data/hyps/hyp.scratch-low.yaml')];
    await run(PYTHON, args);
    await run(PYTHON, args);
    await run(PYTHON, [...args, '--exist-ok']);
    expect((await readdir(path.join(dir, 'runs'))).sort()).toEqual(['exp', 'exp2']);
    expect((await readFile(path.join(dir, 'runs/exp/results.csv'), 'utf8')).split('\n')[0]).toMatch(/^ {15}epoch, {6}train\/box_loss,/);
    await expect(run(PYTHON, [...args, '--cos_lr'])).rejects.toThrow(/unrecognized arguments: --cos_lr/);
  });
});

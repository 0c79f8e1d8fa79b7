import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Task } from '../../src/core/index.ts';
import { writeConfig, writeTemplate } from '../helpers/temp.ts';
import { paramKeys, useStudyCli, type StoreKind } from './study-cli-harness.ts';

const lr = { type: 'float', low: 1e-4, high: 0.1, log: true };
const grid = { 'hyp/lr0': { type: 'categorical', choices: [0.001, 0.01] }, 'hyp/momentum': { type: 'categorical', choices: [0.8, 0.9] } };

describe.each<StoreKind>(['file', 'redis'])('honest study endings (%s store, real processes)', (kind) => {
  const studyCli = useStudyCli(kind);

  it('all trials failing ends the study failed, exit 1, with the first errors', async () => {
    const cli = studyCli();
    await writeTemplate(cli.dir, { params: { 'fault/mode': 'throw', 'fault/epoch': 0 } });
    await writeConfig(cli.dir, { space: { 'hyp/lr0': lr }, budget: { maxTrials: 2, concurrency: 2 } });
    // The template itself would fail to train: a draft task is the template.
    const run = await cli.run(['run', '--template', await cli.createTemplate(), '--json']);
    expect(run.code, run.stderr).toBe(1);
    const board = JSON.parse(run.stdout);
    expect(board.rows.map((r: { status: string }) => r.status)).toEqual(['failed', 'failed']);
    expect(run.stderr).toContain(`hpo: study ${board.controllerId} failed: all 2 trials failed; first errors: "injected failure at epoch 0".`);
    const store = await cli.openStore();
    expect(await store.get(board.controllerId)).toMatchObject({ status: 'failed', ending: { kind: 'failed' } });
    await store.close();
  }, 300_000);

  it('a misspelled objective metric stops the study after the first trial, naming the closest scalar', async () => {
    const cli = studyCli();
    await writeTemplate(cli.dir);
    await writeConfig(cli.dir, { space: { 'hyp/lr0': lr }, objective: { metric: 'metrics/mAP_0.5:0.96' }, budget: { maxTrials: 5, concurrency: 1 } });
    const run = await cli.run(['run', '--template', await cli.createTemplate(), '--json']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain('objective.metric "metrics/mAP_0.5:0.96" was never reported by trial');
    expect(run.stderr).toContain('The closest reported scalar is "metrics/mAP_0.5:0.95".');
    expect(run.stderr).toContain('Set objective.metric to one of those names');
    expect(JSON.parse(run.stdout).rows).toHaveLength(1);
  }, 300_000);

  it('an exhausted grid ends the study with a note, never re-running a point', async () => {
    const cli = studyCli();
    await writeTemplate(cli.dir);
    await writeConfig(cli.dir, { space: grid, strategy: { type: 'grid' }, budget: { maxTrials: 6, concurrency: 2 } });
    const run = await cli.run(['run', '--template', await cli.createTemplate(), '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('completed: grid exhausted after 4 points');
    const store = await cli.openStore();
    const trials = await store.list({ parent: JSON.parse(run.stdout).controllerId });
    expect(trials).toHaveLength(4);
    expect(new Set(paramKeys(trials, Object.keys(grid))).size).toBe(4);
    await store.close();
  }, 300_000);

  it('warm start: the strategy learns another study’s trials (a grid skips the points it ran)', async () => {
    const cli = studyCli();
    await writeTemplate(cli.dir);
    const templateId = await cli.createTemplate();
    await writeConfig(cli.dir, { space: grid, strategy: { type: 'grid' }, budget: { maxTrials: 2, concurrency: 1 } });
    const first = await cli.run(['run', '--template', templateId, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const firstId = JSON.parse(first.stdout).controllerId;
    await writeConfig(cli.dir, { space: grid, strategy: { type: 'grid' }, warmStart: firstId, budget: { maxTrials: 4, concurrency: 1 } });
    const second = await cli.run(['run', '--template', templateId, '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain('grid exhausted after 4 points');
    const store = await cli.openStore();
    const before = paramKeys(await store.list({ parent: firstId }), Object.keys(grid));
    const after = paramKeys(await store.list({ parent: JSON.parse(second.stdout).controllerId }), Object.keys(grid));
    expect(after).toHaveLength(2);
    expect(new Set([...before, ...after]).size).toBe(4);
    await store.close();

    await writeConfig(cli.dir, { space: { 'hyp/lr0': lr }, warmStart: firstId, budget: { maxTrials: 1 } });
    const mismatch = await cli.run(['run', '--template', templateId]);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain(`warmStart: study ${firstId} searches hyp/lr0, hyp/momentum, this one hyp/lr0`);
  }, 300_000);

  it('enqueue (config and --enqueue) runs those params first; --resume --trials extends a finished study', async () => {
    const cli = studyCli();
    await writeTemplate(cli.dir);
    const space = { 'hyp/lr0': lr, 'hyp/momentum': { type: 'float', low: 0.6, high: 0.98 } };
    await writeConfig(cli.dir, { space, enqueue: [{ 'hyp/lr0': 0.05, 'hyp/momentum': 0.7 }], budget: { maxTrials: 3, concurrency: 1 }, seed: 9 });
    await writeFile(path.join(cli.dir, 'more.json'), JSON.stringify([{ 'hyp/lr0': 0.002, 'hyp/momentum': 0.95 }]));
    await writeFile(path.join(cli.dir, 'bad.json'), JSON.stringify([{ 'hyp/lr0': 5 }]));
    const templateId = await cli.createTemplate();
    const bad = await cli.run(['run', '--template', templateId, '--enqueue', 'bad.json']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--enqueue bad.json: entry 0, "hyp/lr0" = 5: expected a number in [0.0001, 0.1].');

    const run = await cli.run(['run', '--template', templateId, '--enqueue', 'more.json', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const controllerId = JSON.parse(run.stdout).controllerId;
    const store = await cli.openStore();
    const byNumber = async (): Promise<Record<string, Task>> => Object.fromEntries((await store.list({ parent: controllerId })).map((t) => [t.tags.find((g) => g.startsWith('trial:')), t]));
    const trials = await byNumber();
    expect(trials['trial:0']).toMatchObject({ status: 'completed', tags: ['trial:0', 'enqueued'], params: { 'hyp/lr0': 0.05, 'hyp/momentum': 0.7 } });
    expect(trials['trial:1']).toMatchObject({ status: 'completed', tags: ['trial:1', 'enqueued'], params: { 'hyp/lr0': 0.002, 'hyp/momentum': 0.95 } });
    expect(trials['trial:2'].tags).toEqual(['trial:2']);

    const extend = await cli.run(['run', '--resume', controllerId, '--trials', '5', '--json']);
    expect(extend.code, extend.stderr).toBe(0);
    expect(extend.stderr).toContain(`budget of study ${controllerId}: 3 -> 5 trials`);
    const extended = await byNumber();
    expect(Object.keys(extended).sort()).toEqual(['trial:0', 'trial:1', 'trial:2', 'trial:3', 'trial:4']);
    expect(Object.values(extended).every((t) => t.status === 'completed')).toBe(true);
    // The first three are the same tasks, not re-runs; the enqueued params ran once.
    for (const n of ['trial:0', 'trial:1', 'trial:2']) expect(extended[n].id).toBe(trials[n].id);
    expect(Object.values(extended).filter((t) => t.params['hyp/lr0'] === 0.05)).toHaveLength(1);
    expect((await store.get(controllerId)).status).toBe('completed');
    await store.close();
  }, 300_000);

  it('top and --resume of a task that is not a study say what it is', async () => {
    const cli = studyCli();
    await writeTemplate(cli.dir);
    await writeConfig(cli.dir, { space: { 'hyp/lr0': lr } });
    const templateId = await cli.train();
    const top = await cli.run(['top', templateId]);
    expect(top.code, top.stderr).toBe(0);
    expect(top.stderr).toContain(`${templateId} is a training task, not a study; showing the task`);
    expect(top.stdout).toContain(`${templateId}  curve`);
    expect(top.stdout).toContain('type training, project test, status completed');
    const resume = await cli.run(['run', '--resume', templateId]);
    expect(resume.code).toBe(1);
    expect(resume.stderr).toMatch(new RegExp(`^hpo: Task ${templateId} is a training task \\("curve", completed\\), not a study to resume: pass a controller id`, 'm'));
    expect(resume.stderr).not.toContain('TypeError');
  }, 300_000);
});

import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Task } from '../../src/core/index.ts';
import { FileTaskStore } from '../../src/store/index.ts';
import { tempDir } from '../helpers/temp.ts';
import { hpo } from './helpers.ts';

/**
 * Findings: one journal line that is valid JSON of the wrong shape made `hpo tasks list` crash
 * (exit 70) for the whole store, and a damaged trial lost its parent link and left its study.
 */
describe('damaged task records', { timeout: 300_000 }, () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: FileTaskStore;
  let parent: Task;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    const home = path.join(dir, '.hpo');
    env = { ...process.env, HPO_HOME: home };
    store = new FileTaskStore({ root: home });
    parent = await store.create({ name: 'study', project: 'p', type: 'controller', trainer: { type: 'controller' }, params: {} });
  });
  afterEach(() => cleanup());

  const trial = (name: string) => store.create({ name, project: 'p', type: 'training', trainer: { type: 'function' }, params: { 'hyp/lr0': 0.1 }, parent: parent.id, status: 'queued' });
  const taskFile = (id: string, file: string) => path.join(store.root, 'tasks', id, file);
  const listJson = async (...args: string[]): Promise<Task[]> => {
    const run = await hpo(['tasks', 'list', '--json', ...args], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout) as Task[];
  };

  it('a journal line of the wrong shape is skipped and named; the task reads damaged; listing works', async () => {
    const bad = await trial('bad');
    const good = await trial('good');
    await store.setStatus(bad.id, 'running');
    appendFileSync(taskFile(bad.id, 'task.jsonl'), '{"seq":2,"set":{"createdAt":"yesterday"},"unset":[]}\n{"seq":"3"}\n');

    const table = await hpo(['tasks', 'list'], { cwd: dir, env });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain(good.id);
    const read = (await listJson()).find((t) => t.id === bad.id)!;
    expect(read).toMatchObject({ status: 'failed', interrupted: true, parent: parent.id, startedAt: expect.any(Number) });
    expect(read.statusReason).toContain('line 2 of task.jsonl: createdAt');
    expect((await listJson('--parent', parent.id)).map((t) => t.id).sort()).toEqual([bad.id, good.id].sort());
  });

  it('a snapshot that is JSON of the wrong shape keeps its parent link', async () => {
    const bad = await trial('bad');
    // Nested objects before `parent`: a head-only salvage would miss it.
    writeFileSync(taskFile(bad.id, 'task.json'), JSON.stringify({ id: bad.id, trainer: { type: 'function' }, params: 'oops', name: 'bad', parent: parent.id, type: 'training' }));
    const children = await listJson('--parent', parent.id);
    expect(children.map((t) => t.id)).toEqual([bad.id]);
    expect(children[0]).toMatchObject({ status: 'failed', interrupted: true, parent: parent.id });
  });
});

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ArtifactRef, NewTask } from '../../src/core/index.ts';
import { FileTaskStore } from '../../src/store/file-store.ts';
import { runTaskStoreConformance } from '../conformance/task-store.ts';
import { spawnFixture, tempDir } from './helpers.ts';

runTaskStoreConformance('file', async ({ clock }) => {
  const dir = tempDir();
  return { store: new FileTaskStore({ root: join(dir, '.hpo'), clock }), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

const base: NewTask = { name: 'base', project: 'p', type: 'training', trainer: { type: 'command', argv: ['python', 'train.py'] }, params: { 'hyp/lr0': 0.01 } };

/** Every path under `dir`, relative, sorted. */
function walk(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const rel = prefix ? `${prefix}/${name}` : name;
    out.push(rel);
    if (statSync(join(dir, name)).isDirectory()) out.push(...walk(join(dir, name), rel));
  }
  return out.sort();
}

/** A reference as the artifact store returns it; the task store records it and nothing more. */
function artifactRef(name: string): ArtifactRef {
  return { name, size: 3, sha256: 'a'.repeat(64), store: 'file:///artifacts', key: `tasks/t/${name}`, location: `file:///artifacts/tasks/t/${name}`, createdAt: 0 };
}

describe('FileTaskStore on disk', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const dir = tempDir();
    dirs.push(dir);
    return { dir, root: join(dir, 'root'), store: new FileTaskStore({ root: join(dir, 'root') }) };
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('ids with "/" or "..", and artifact names with "..", write nothing outside the root', async () => {
    const { dir, root, store } = fresh();
    const task = await store.create(base);
    const before = walk(dir);
    for (const bad of ['../x', '../../x', 'a/b', '..', '../root/tasks/x', '/tmp/x']) {
      await expect(store.appendScalars(bad, 0, { a: 1 })).rejects.toMatchObject({ code: 'TASK_ID_INVALID' });
      await expect(store.appendLog(bad, 'x')).rejects.toMatchObject({ code: 'TASK_ID_INVALID' });
      await expect(store.recordArtifact(bad, artifactRef('a'))).rejects.toMatchObject({ code: 'TASK_ID_INVALID' });
      await expect(store.setStatus(bad, 'queued')).rejects.toMatchObject({ code: 'TASK_ID_INVALID' });
      // 'a/b' is a legal nested artifact name (plots/labels.jpg); the others leave the task.
      if (bad !== 'a/b') await expect(store.recordArtifact(task.id, artifactRef(bad))).rejects.toMatchObject({ code: 'ARTIFACT_NAME_INVALID' });
    }
    expect(readdirSync(dir)).toEqual(['root']);
    expect(walk(dir)).toEqual(before);
    expect(walk(root).filter((p) => !p.startsWith('locks'))).toEqual(['tasks', `tasks/${task.id}`, `tasks/${task.id}/task.json`]);
  });

  it('lays a task out as a snapshot + journal, scalars.jsonl and log.txt (artifact bytes live in the artifact store)', async () => {
    const { root, store } = fresh();
    const task = await store.create(base);
    await store.setStatus(task.id, 'queued');
    await store.appendScalars(task.id, 0, { a: 1 });
    await store.appendLog(task.id, 'hi\n');
    const recorded = await store.recordArtifact(task.id, artifactRef('w.bin'));
    const taskDir = join(root, 'tasks', task.id);
    expect(readdirSync(taskDir).sort()).toEqual(['log.txt', 'scalars.jsonl', 'task.json', 'task.jsonl']);
    expect(recorded.artifacts['w.bin']).toEqual(artifactRef('w.bin'));
    expect(JSON.parse(readFileSync(join(taskDir, 'task.json'), 'utf8')).status).toBe('draft');
    expect(readFileSync(join(taskDir, 'task.jsonl'), 'utf8').trim().split('\n').length).toBe(2);
    expect(store.location).toContain(root);
  });

  it('folds a long journal into a new snapshot and keeps the previous one', async () => {
    const { root, store } = fresh();
    const task = await store.create(base);
    const taskDir = join(root, 'tasks', task.id);
    for (let i = 0; i < 100; i++) await store.update(task.id, { heartbeatAt: i, result: { i } });
    const snapshot = JSON.parse(readFileSync(join(taskDir, 'task.json'), 'utf8'));
    expect(snapshot.heartbeatAt).toBeGreaterThan(50);
    expect(readFileSync(join(taskDir, 'task.jsonl'), 'utf8').split('\n').filter(Boolean).length).toBeLessThan(64);
    expect(existsSync(join(taskDir, 'task.prev.json'))).toBe(true);
    expect(await store.get(task.id)).toMatchObject({ heartbeatAt: 99, result: { i: 99 }, name: 'base', status: 'draft' });
    // A crash between the snapshot rename and the journal truncate leaves entries the snapshot holds: skipped.
    writeFileSync(join(taskDir, 'task.jsonl'), `{"seq":1,"set":{"name":"stale"},"unset":[]}\n${readFileSync(join(taskDir, 'task.jsonl'), 'utf8')}`);
    expect((await store.get(task.id)).name).toBe('base');
  });

  it('several processes appending and racing a compare-and-set lose nothing and elect one winner', async () => {
    const { dir, root, store } = fresh();
    const tasks = await Promise.all(Array.from({ length: 3 }, () => store.create({ ...base, status: 'queued' })));
    const go = join(dir, 'go');
    const workers = [0, 1, 2, 3].map((w) => spawnFixture('race-writer.ts', [root, String(w), tasks.map((t) => t.id).join(','), go, '25']));
    await Promise.all(workers.map((w) => w.waitFor('ready')));
    writeFileSync(go, '');
    expect(await Promise.all(workers.map((w) => w.exit))).toEqual([0, 0, 0, 0]);
    const results = workers.map((w) => JSON.parse(w.output().trim().split('\n').at(-1)!) as { wins: string[]; losses: string[] });
    for (const task of tasks) {
      expect(results.filter((r) => r.wins.includes(task.id)).length).toBe(1);
      const final = await store.get(task.id);
      expect(final.status).toBe('running');
      expect(Object.keys(final.artifacts).sort()).toEqual(['worker-0.txt', 'worker-1.txt', 'worker-2.txt', 'worker-3.txt']);
      const series = await store.getScalars(task.id);
      expect(series.worker.length).toBe(100);
      for (const w of [0, 1, 2, 3]) expect(series.step.filter((p) => Math.floor(p.step / 1000) === w).length).toBe(25);
      expect((await store.readLog(task.id)).split('\n').filter(Boolean).sort()).toEqual([0, 1, 2, 3].map((w) => `worker ${w} done`));
    }
    expect(results.flatMap((r) => r.losses).every((code) => code === 'TASK_ILLEGAL_TRANSITION')).toBe(true);
    expect(results.flatMap((r) => r.losses).length).toBe(9);
  });

  it('a writer killed with SIGKILL mid-loop leaves every task readable and no lock stuck', async () => {
    const { root } = fresh();
    const crasher = spawnFixture('crash-loop.ts', [root]);
    await crasher.waitFor('going');
    await new Promise((r) => setTimeout(r, 150));
    crasher.child.kill('SIGKILL');
    await crasher.exit;
    const store = new FileTaskStore({ root });
    const tasks = await store.list({ project: 'crash' });
    expect(tasks.length).toBeGreaterThanOrEqual(5);
    const dirs = readdirSync(join(root, 'tasks')).filter((name) => !name.startsWith('.'));
    expect(dirs.sort()).toEqual(tasks.map((t) => t.id).sort());
    for (const task of tasks) {
      expect(await store.get(task.id)).toEqual(task);
      expect(task.interrupted).toBeUndefined();
      await store.getScalars(task.id);
      // A lock left by the dead writer is broken, not waited on for 30 s.
      const t = await store.update(task.id, { tags: ['checked'] });
      expect(t.tags).toEqual(['checked']);
    }
    expect(tasks.filter((t) => t.status === 'completed').length).toBeGreaterThanOrEqual(5);
  });

  it('list re-reads what another writer changed since its last call, and hands out copies', async () => {
    const { root, store } = fresh();
    const other = new FileTaskStore({ root }); // another process's view of the same folder
    const a = await store.create(base);
    const b = await store.create({ ...base, name: 'b' });
    expect((await store.list()).map((t) => t.status)).toEqual(['draft', 'draft']);
    await other.setStatus(a.id, 'queued'); // a journal append
    expect((await store.list()).find((t) => t.id === a.id)!.status).toBe('queued');
    for (let i = 0; i < 70; i++) await other.update(b.id, { heartbeatAt: i }); // a compaction: a new snapshot, an emptied journal
    expect((await store.list()).find((t) => t.id === b.id)!.heartbeatAt).toBe(69);
    await other.update(b.id, { heartbeatAt: 70 });
    expect((await store.list()).find((t) => t.id === b.id)!.heartbeatAt).toBe(70);
    const listed = await store.list();
    listed[0].tags.push('mutated by a caller');
    listed[0].params['hyp/lr0'] = 99;
    expect((await store.list())[0]).toMatchObject({ tags: [], params: base.params });
    rmSync(join(root, 'tasks', a.id), { recursive: true });
    expect((await store.list()).map((t) => t.id)).toEqual([b.id]);
    await other.close();
  });

  it('a truncated task.json reads as interrupted, recovered from the last good snapshot', async () => {
    const { root, store } = fresh();
    const ctrl = await store.create({ ...base, type: 'controller' });
    const task = await store.create({ ...base, parent: ctrl.id, name: 'trial-7', tags: ['t'] });
    await store.setStatus(task.id, 'queued');
    await store.setStatus(task.id, 'running');
    for (let i = 0; i < 140; i++) await store.update(task.id, { heartbeatAt: i }); // compacts twice: prev is a running snapshot
    const file = join(root, 'tasks', task.id, 'task.json');
    truncateSync(file, Math.floor(readFileSync(file).length / 2));
    const damaged = await store.get(task.id);
    expect(damaged).toMatchObject({ id: task.id, name: 'trial-7', parent: ctrl.id, tags: ['t'], params: base.params, status: 'failed', interrupted: true, statusReason: 'interrupted: task record was damaged' });
    expect(damaged.startedAt).toBeDefined();
    expect((await store.list()).map((t) => t.id).sort()).toEqual([ctrl.id, task.id].sort());
    expect((await store.list({ parent: ctrl.id })).map((t) => t.id)).toEqual([task.id]);
    // It can be requeued; the rewrite makes the record whole again.
    const requeued = await store.setStatus(task.id, 'queued');
    expect(requeued.interrupted).toBeUndefined();
    expect(await store.get(task.id)).toEqual(requeued);
    expect(JSON.parse(readFileSync(file, 'utf8')).status).toBe('queued');
    await store.setStatus(task.id, 'running');
    expect(await store.get(task.id)).toMatchObject({ status: 'running', name: 'trial-7' });
  });

  it('without a previous snapshot, salvages the identifying fields, or at least the id', async () => {
    const { root, store } = fresh();
    const ctrl = await store.create({ ...base, type: 'controller' });
    const task = await store.create({ ...base, parent: ctrl.id, name: 'trial-3', project: 'coco' });
    const file = join(root, 'tasks', task.id, 'task.json');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, text.indexOf('"trainer"') + 12));
    expect(await store.get(task.id)).toMatchObject({ id: task.id, name: 'trial-3', project: 'coco', parent: ctrl.id, createdAt: task.createdAt, status: 'failed', interrupted: true });
    expect((await store.list({ parent: ctrl.id })).map((t) => t.id)).toEqual([task.id]);
    writeFileSync(file, '');
    const bare = await store.get(task.id);
    expect(bare).toMatchObject({ id: task.id, name: task.id, status: 'failed', interrupted: true, params: {}, tags: [] });
    unlinkSync(file);
    expect((await store.get(task.id)).interrupted).toBe(true);
    expect((await store.list()).length).toBe(2);
  });

  it('ignores leftover temp files and staging folders; skips torn scalar lines', async () => {
    const { root, store } = fresh();
    const task = await store.create(base);
    const taskDir = join(root, 'tasks', task.id);
    writeFileSync(join(taskDir, 'task.json.999.abcd.tmp'), '{"id":"half');
    mkdirSync(join(root, 'tasks', `.new-zzzz-999`));
    writeFileSync(join(root, 'tasks', 'stray file.txt'), 'x');
    expect((await store.list()).map((t) => t.id)).toEqual([task.id]);
    expect((await store.get(task.id)).interrupted).toBeUndefined();
    await store.appendScalars(task.id, 0, { a: 0.5 });
    appendFileSync(join(taskDir, 'scalars.jsonl'), '{"step":1,"values":{"a":0.'); // torn by a crash
    await store.appendScalars(task.id, 2, { a: 0.7 }); // glued onto the torn line
    appendFileSync(join(taskDir, 'scalars.jsonl'), '{"step":3,"val'); // torn final line
    expect(await store.getScalars(task.id)).toEqual({ a: [{ step: 0, value: 0.5 }, { step: 2, value: 0.7 }] });
  });

  it('breaks a lock held by a dead process or a stale one, and waits for a live one', async () => {
    const { dir } = fresh();
    const root = join(dir, 'stale');
    const store = new FileTaskStore({ root, lockStaleMs: 1500 });
    const task = await store.create(base);
    const lock = join(root, 'tasks', task.id, 'task.lock');
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.on('exit', r));
    writeFileSync(lock, `${dead.pid} ${Date.now()}\n`);
    expect((await store.setStatus(task.id, 'queued')).status).toBe('queued');
    expect(existsSync(lock)).toBe(false);

    // Held by a live process (this one, through another path): waited on, then broken once stale.
    writeFileSync(lock, `${process.pid} ${Date.now()}\n`);
    let done = false;
    const pending = store.setStatus(task.id, 'running').then((t) => ((done = true), t));
    await new Promise((r) => setTimeout(r, 100));
    expect(done).toBe(false);
    expect((await store.get(task.id)).status).toBe('queued');
    expect((await pending).status).toBe('running');

    writeFileSync(lock, `${process.pid} ${Date.now()}\n`);
    const released = store.update(task.id, { name: 'after-lock' });
    await new Promise((r) => setTimeout(r, 50));
    unlinkSync(lock);
    expect((await released).name).toBe('after-lock');
  });

  it('leaves no lock and no owner file of a finished process behind', async () => {
    const { dir, root, store } = fresh();
    const tasks = await Promise.all(Array.from({ length: 2 }, () => store.create({ ...base, status: 'queued' })));
    const go = join(dir, 'go');
    writeFileSync(go, '');
    const worker = spawnFixture('race-writer.ts', [root, '0', tasks.map((t) => t.id).join(','), go, '3']);
    expect(await worker.exit).toBe(0);
    await store.update(tasks[0].id, { name: 'x' });
    expect(readdirSync(join(root, 'locks')).filter((n) => !n.startsWith(`${process.pid}-`))).toEqual([]);
    for (const task of tasks) expect(existsSync(join(root, 'tasks', task.id, 'task.lock'))).toBe(false);
  });
});

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileTaskStore } from '../../src/store/index.ts';
import { deleteKeys } from '../exec/queue/redis-keys-cleanup.ts';
import { BIN, tempDir, writeConfig, writeTemplate } from '../helpers/temp.ts';

const REDIS = process.env.REDIS_URL!;

/** The ClearML hand loop through the real binary: clone, edit, enqueue; queues and agents listed; a queue nobody serves. */
describe('queue operations: task clone, enqueue, queues, agents', { timeout: 120_000 }, () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let prefix: string;
  let env: NodeJS.ProcessEnv;
  let children: ChildProcess[];

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    prefix = `hpo-test-${randomUUID()}:`;
    env = { ...process.env, HPO_REDIS_PREFIX: prefix, REDIS_URL: REDIS, HPO_HOME: path.join(dir, '.hpo') };
    children = [];
  });
  afterEach(async () => {
    for (const c of children) c.kill('SIGKILL');
    await deleteKeys(REDIS, `${prefix}*`);
    await cleanup();
  });

  const hpo = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', env: { ...env, ...extraEnv }, timeout: 60_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const start = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    children.push(child);
    return { child, stderr: () => stderr };
  };
  const until = async (what: string, check: () => boolean | Promise<boolean>, ms = 90_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  it('clones a task with edits, enqueues it, and an agent runs it; queues and agents show the traffic', async () => {
    await writeTemplate(dir);
    const templateId = hpo(['task', 'create', 'template.ts']).stdout.trim();
    const clone = hpo(['task', 'clone', templateId, '--set', 'hyp/lr0=0.05', '--name', 'edited']);
    expect(clone.code, clone.stderr).toBe(0);
    const cloneId = clone.stdout.trim();
    const store = new FileTaskStore({ root: path.join(dir, '.hpo') });
    expect(await store.get(cloneId)).toMatchObject({ status: 'draft', parent: templateId, name: 'edited', params: { 'hyp/lr0': 0.05, 'hyp/momentum': 0.937 } });

    const queue = `q-${randomUUID()}`;
    const enqueued = hpo(['enqueue', cloneId, '--queue', queue]);
    expect(enqueued.code, enqueued.stderr).toBe(0);
    expect(enqueued.stderr).toContain(`no agent listens to queue "${queue}" now`);
    expect((await store.get(cloneId)).status).toBe('queued');
    const waiting = JSON.parse(hpo(['queues', '--json']).stdout);
    expect(waiting).toEqual([{ queue, waiting: 1, active: 0, delayed: 0, failed: 0, agents: [] }]);

    start(['agent', '--queue', queue, '--in-process']);
    await until('the clone to complete', async () => (await store.get(cloneId)).status === 'completed');
    const agents = JSON.parse(hpo(['agents', '--json']).stdout);
    expect(agents).toHaveLength(1);
    expect(agents[0]).toMatchObject({ queues: [queue], running: [], slots: 1, pid: children[0].pid });
    expect(Date.now() - agents[0].beatAt).toBeLessThan(60_000);
    const served = JSON.parse(hpo(['queues', '--json']).stdout);
    expect(served).toEqual([{ queue, waiting: 0, active: 0, delayed: 0, failed: 0, agents: [agents[0].name] }]);
    expect(hpo(['agents']).stdout).toContain(queue);
    const run = (await store.get(cloneId)).environment!.run!;
    expect(run).toMatchObject({ agent: agents[0].name, slot: 0 });

    // A completed task is final: enqueueing it again says to clone it.
    const again = hpo(['enqueue', cloneId, '--queue', queue]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`Task ${cloneId} is completed: a completed task is final. Clone it and enqueue the clone`);
    await store.close();
  });

  it('a task pins the hpo version it was created with: an agent of another version warns, with --strict it fails the task', async () => {
    await writeTemplate(dir);
    const version = JSON.parse(await readFile(path.join(path.dirname(BIN), '..', 'package.json'), 'utf8')).version;
    const templateId = hpo(['task', 'create', 'template.ts']).stdout.trim();
    const store = new FileTaskStore({ root: path.join(dir, '.hpo') });
    const created = await store.get(templateId);
    expect(created.hpoVersion).toBe(version);
    // As an older hpo would have created it; clones keep the pin.
    const old = await store.create({ name: created.name, project: created.project, type: 'training', trainer: created.trainer, params: created.params, hpoVersion: '0.0.1' });
    const [lenient, strict] = ['lenient', 'strict'].map((name) => hpo(['task', 'clone', old.id, '--name', name]).stdout.trim());
    expect((await store.get(strict)).hpoVersion).toBe('0.0.1');

    const queue = `q-${randomUUID()}`;
    hpo(['enqueue', lenient, '--queue', queue]);
    const plain = start(['agent', '--queue', queue, '--in-process']);
    await until('the lenient task to complete', async () => (await store.get(lenient)).status === 'completed');
    expect(await store.readLog(lenient)).toContain(`warning: task ${lenient} was created with hpo 0.0.1; this runner is hpo ${version}`);
    plain.child.kill('SIGKILL');

    hpo(['enqueue', strict, '--queue', queue]);
    start(['agent', '--queue', queue, '--strict']);
    await until('the strict task to fail', async () => (await store.get(strict)).status === 'failed');
    expect((await store.get(strict)).statusReason).toBe(`task ${strict} was created with hpo 0.0.1; this runner is hpo ${version}: run it on an agent of hpo 0.0.1, or without --strict`);
  });

  it('refuses a clone whose --set names an argument train.py does not have', async () => {
    const store = new FileTaskStore({ root: path.join(dir, '.hpo') });
    const task = await store.create({ name: 'u', project: 't', type: 'training', trainer: { type: 'yolov5-ultralytics' }, params: { 'args/epochs': 3 }, status: 'draft' });
    await store.close();
    const r = hpo(['task', 'clone', task.id, '--set', 'args/coslr=true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('✖ unknown param "args/coslr": did you mean "args/cos_lr"?');
  });

  it('hpo run --queue warns when no agent has listened to the queue for the warning time', async () => {
    await writeTemplate(dir);
    await writeConfig(dir, { space: { 'hyp/lr0': { type: 'float', low: 1e-4, high: 0.1 } }, budget: { maxTrials: 1, concurrency: 1 } });
    const templateId = hpo(['task', 'create', 'template.ts']).stdout.trim();
    const queue = `q-${randomUUID()}`;
    const run = start(['run', '--template', templateId, '--queue', queue], { HPO_NO_AGENT_WARNING_MS: '1000' });
    await until('the no-agent warning', () => run.stderr().includes(`no agent has listened to queue "${queue}" for`));
    expect(run.stderr()).toContain(`agent --queue ${queue}`);
    // An agent appears: the study finishes.
    start(['agent', '--queue', queue, '--in-process']);
    const code = await new Promise<number | null>((resolve) => run.child.once('exit', resolve));
    expect(code).toBe(0);
  });
});

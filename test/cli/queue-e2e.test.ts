import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import type { TaskStore } from '../../src/core/index.ts';
import { deleteKeys } from '../exec/queue/redis-keys-cleanup.ts';
import { BIN, tempDir, writeConfig, writeTemplate } from '../helpers/temp.ts';

const REDIS = process.env.REDIS_URL!;
const space = { 'hyp/lr0': { type: 'float', low: 1e-4, high: 0.1, log: true }, 'hyp/momentum': { type: 'float', low: 0.6, high: 0.98 } };

/**
 * The distributed path through the real binary: a Redis store, BullMQ queues and `hpo agent`
 * processes. Each test has its own key prefix and queue names and deletes its keys after.
 */
describe('studies through queues and agent processes', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let prefix: string;
  let env: NodeJS.ProcessEnv;
  let agents: ChildProcess[];
  let store: TaskStore;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    prefix = `hpo-test-${randomUUID()}:`;
    env = { ...process.env, HPO_REDIS_PREFIX: prefix, REDIS_URL: REDIS };
    agents = [];
    store = await openStore(REDIS, { env: { HPO_REDIS_PREFIX: prefix } });
  });
  afterEach(async () => {
    for (const a of agents) a.kill('SIGKILL');
    await store.close();
    await deleteKeys(REDIS, `${prefix}*`);
    await cleanup();
  });

  const hpo = (args: string[], extraEnv: NodeJS.ProcessEnv = env) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', env: extraEnv, timeout: 240_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const startAgent = (args: string[]): ChildProcess => {
    const agent = spawn(process.execPath, [BIN, '--store', REDIS, 'agent', ...args], { cwd: dir, env, stdio: 'ignore' });
    agents.push(agent);
    return agent;
  };
  const until = async (what: string, check: () => Promise<boolean>, ms = 120_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('20 trials across 2 agents give the same trials and leaderboard as a local run', async () => {
    await writeTemplate(dir);
    await writeConfig(dir, { space, strategy: { type: 'random' }, budget: { maxTrials: 20, concurrency: 2 }, seed: 11 });
    const queue = `q-${randomUUID()}`;
    // One agent runs trials in-process, the other (the default) in a child process per trial.
    startAgent(['--queue', queue, '--in-process', '--lock-duration', '3000']);
    startAgent(['--queue', queue, '--lock-duration', '3000']);

    const remoteTemplate = hpo(['--store', REDIS, 'train', 'template.ts']).stdout.trim();
    const queued = hpo(['--store', REDIS, 'run', '--template', remoteTemplate, '--queue', queue, '--json']);
    expect(queued.code, queued.stderr).toBe(0);
    const localEnv = { ...env, HPO_HOME: path.join(dir, '.hpo') };
    const localTemplate = hpo(['train', 'template.ts'], localEnv).stdout.trim();
    const local = hpo(['run', '--template', localTemplate, '--json'], localEnv);
    expect(local.code, local.stderr).toBe(0);

    const strip = (board: { rows: { status: string; objective: number; params: unknown; epochs: number }[] }) =>
      board.rows.map((r) => ({ status: r.status, objective: r.objective, params: r.params, epochs: r.epochs }));
    const remoteBoard = JSON.parse(queued.stdout);
    expect(remoteBoard.rows).toHaveLength(20);
    expect(strip(remoteBoard)).toEqual(strip(JSON.parse(local.stdout)));
    // Each trial ran exactly once: one report per epoch.
    const trials = await store.list({ parent: remoteBoard.controllerId });
    expect(trials.every((t) => t.status === 'completed')).toBe(true);
    for (const t of trials) expect((await store.getScalars(t.id))['metrics/mAP_0.5:0.95'].map((p) => p.step)).toEqual([0, 1, 2, 3, 4]);
  });

  it('a remote controller whose agent is killed is resumed by another agent without losing or repeating trials', async () => {
    await writeTemplate(dir, { trainer: { epochMs: 150 } });
    await writeConfig(dir, { space, strategy: { type: 'random' }, budget: { maxTrials: 8, concurrency: 2 }, seed: 5 });
    const [trialsQueue, services] = [`q-${randomUUID()}`, `s-${randomUUID()}`];
    startAgent(['--queue', trialsQueue, '--in-process', '--concurrency', '2', '--lock-duration', '2000']);
    const controllerAgent = startAgent(['--queue', services, '--lock-duration', '2000']);

    const templateId = hpo(['--store', REDIS, 'train', 'template.ts']).stdout.trim();
    const remote = hpo(['--store', REDIS, 'run', '--template', templateId, '--queue', trialsQueue, '--controller-queue', services, '--remote']);
    expect(remote.code, remote.stderr).toBe(0);
    const controllerId = remote.stdout.trim();
    const completed = async () => (await store.list({ parent: controllerId, status: 'completed' })).length;
    await until('two completed trials', async () => (await completed()) >= 2);
    controllerAgent.kill('SIGKILL');
    expect(await completed()).toBeLessThan(8);
    startAgent(['--queue', services, '--lock-duration', '2000']);

    await until('the study to end', async () => (await store.get(controllerId)).status === 'completed', 180_000);
    const trials = await store.list({ parent: controllerId });
    expect(trials.filter((t) => t.status === 'completed')).toHaveLength(8);
    for (const t of trials.filter((t) => t.status !== 'completed')) expect(t.statusReason).toMatch(/^interrupted/);
    for (const t of trials.filter((t) => t.status === 'completed')) {
      expect((await store.getScalars(t.id))['metrics/mAP_0.5:0.95'].map((p) => p.step)).toEqual([0, 1, 2, 3, 4]);
    }
    const top = hpo(['--store', REDIS, 'top', controllerId, '--json']);
    expect(JSON.parse(top.stdout).rows.filter((r: { status: string }) => r.status === 'completed')).toHaveLength(8);
  });
});

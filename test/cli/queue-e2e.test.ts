import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import type { TaskStore } from '../../src/core/index.ts';
import { deleteKeys } from '../exec/queue/redis-keys-cleanup.ts';
import { BIN, tempDir, writeConfig, writeTemplate } from '../helpers/temp.ts';

const REDIS = process.env.REDIS_URL!;
const space = { 'hyp/lr0': { type: 'float', low: 1e-4, high: 0.1, log: true }, 'hyp/momentum': { type: 'float', low: 0.6, high: 0.98 } };

/** The spare trial processes (`--spare` in the command line) whose parent is `parent`, with their HPO_AGENT_SLOT. */
async function sparesOf(parent: number): Promise<{ pid: number; slot?: string }[]> {
  const found: { pid: number; slot?: string }[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parent || !(await readFile(`/proc/${name}/cmdline`, 'utf8')).split('\0').includes('--spare')) continue;
      const env = (await readFile(`/proc/${name}/environ`, 'utf8')).split('\0');
      found.push({ pid: Number(name), slot: env.find((e) => e.startsWith('HPO_AGENT_SLOT='))?.slice('HPO_AGENT_SLOT='.length) });
    } catch {
      // The process ended while we looked.
    }
  }
  return found.sort((a, b) => Number(a.slot) - Number(b.slot));
}

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

  it("an agent forks each slot a loaded spare at start-up, and each slot's first job runs in it", async () => {
    await writeTemplate(dir);
    await writeConfig(dir, { space, strategy: { type: 'random' }, budget: { maxTrials: 2, concurrency: 2 }, seed: 3 });
    const queue = `q-${randomUUID()}`;
    // The default --preload (yolov5) spare runs this function-trainer job too: it loads that trainer when the job comes.
    const agent = startAgent(['--queue', queue, '--concurrency', '2', '--lock-duration', '3000']);
    let before: { pid: number; slot?: string }[] = [];
    await until('a spare per slot', async () => (before = await sparesOf(agent.pid!)).length === 2);
    expect(before.map((s) => s.slot)).toEqual(['0', '1']);

    const template = hpo(['--store', REDIS, 'train', 'template.ts']).stdout.trim();
    const run = hpo(['--store', REDIS, 'run', '--template', template, '--queue', queue, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const trials = await store.list({ parent: JSON.parse(run.stdout).controllerId });
    expect(trials.map((t) => t.status)).toEqual(['completed', 'completed']);
    const ran = trials.map((t) => ({ pid: t.environment?.run?.pid, slot: String(t.environment?.run?.slot) })).sort((a, b) => Number(a.slot) - Number(b.slot));
    expect(ran, 'each job ran in the spare forked for its slot before the study existed').toEqual(before);
    // Each slot stocks a new spare for its next job.
    await until('new spares', async () => (await sparesOf(agent.pid!)).filter((s) => !before.some((b) => b.pid === s.pid)).length === 2);
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

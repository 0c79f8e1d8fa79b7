import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Task, TaskStore } from '../../src/core/index.ts';
import { openStore } from '../../src/store/index.ts';
import { deleteKeys } from '../exec/queue/redis-keys-cleanup.ts';
import { tempDir, writeConfig, writeTemplate } from '../helpers/temp.ts';
import { finish, hpo, start, until } from './helpers.ts';

const REDIS = process.env.REDIS_URL!;

/**
 * Findings: `budget.trialTimeout` did nothing on agents (a hung trial held its slot and its
 * study forever), nothing caught a trainer that hangs while alive, and an agent with a hung
 * trial needed a second SIGTERM. Real agent processes, real Redis, the function trainer's
 * `fault/mode=hang` (it stops reporting at epoch 1 and never returns).
 */
describe('time limits on agents', { timeout: 300_000 }, () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let prefix: string;
  let queue: string;
  let env: NodeJS.ProcessEnv;
  let store: TaskStore;
  let agents: ChildProcess[];

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    prefix = `hpo-test-${randomUUID()}:`;
    queue = `q-${randomUUID()}`;
    env = { ...process.env, HPO_REDIS_PREFIX: prefix, REDIS_URL: REDIS };
    store = await openStore(REDIS, { env: { HPO_REDIS_PREFIX: prefix } });
    agents = [];
    await writeTemplate(dir, { params: { 'fault/mode': 'none', 'fault/epoch': 1, 'args/epochs': 3 } });
  });
  afterEach(async () => {
    for (const a of agents) if (a.exitCode === null) a.kill('SIGKILL');
    await store.close();
    await deleteKeys(REDIS, `${prefix}*`);
    await cleanup();
  });

  const agent = (...args: string[]): ChildProcess => {
    const child = start(['--store', REDIS, 'agent', '--queue', queue, '--grace', '1', '--lock-duration', '3000', ...args], { cwd: dir, env });
    agents.push(child);
    return child;
  };
  const studyOf = async (budget: Record<string, unknown>): Promise<{ code: number | null; trials: Task[]; stderr: string }> => {
    await writeConfig(dir, { space: { 'fault/mode': { type: 'categorical', choices: ['none', 'hang'] } }, strategy: { type: 'grid' }, budget: { maxTrials: 2, concurrency: 2, ...budget } });
    const template = (await hpo(['--store', REDIS, 'train', 'template.ts'], { cwd: dir, env })).stdout.trim();
    const run = await hpo(['--store', REDIS, 'run', '--template', template, '--queue', queue, '--json'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(0);
    const board = JSON.parse(run.stdout) as { controllerId: string };
    return { code: run.code, trials: await store.list({ parent: board.controllerId }), stderr: run.stderr };
  };
  const byMode = (trials: Task[], mode: string): Task => trials.find((t) => t.params['fault/mode'] === mode)!;
  const collect = (child: ChildProcess): (() => string) => {
    let text = '';
    child.stderr!.on('data', (d: Buffer) => (text += d));
    return () => text;
  };

  it('a hung trial in a child slot ends `timeout` after trialTimeout, and its study completes', async () => {
    const worker = agent('--concurrency', '2');
    const log = collect(worker);
    const { trials } = await studyOf({ trialTimeout: '8s' });
    expect(byMode(trials, 'none'), JSON.stringify(byMode(trials, 'none'))).toMatchObject({ status: 'completed' });
    const hung = byMode(trials, 'hang');
    expect(hung, JSON.stringify(hung)).toMatchObject({ status: 'failed', ending: { kind: 'timeout', reason: expect.stringContaining('timeout after 8s') } });
    // The agent's text log names the job, the task and the reason.
    await until('the timeout log line', () => log().includes(`task ${hung.id} timed out (job ${hung.id}): timeout after 8s`), 10_000);
  });

  it('a stalled trial in an in-process slot ends `timeout` after stallTimeout and frees its slot', async () => {
    const worker = agent('--in-process', '--concurrency', '1');
    const log = collect(worker);
    const { trials } = await studyOf({ stallTimeout: '8s' });
    expect(byMode(trials, 'none'), JSON.stringify(byMode(trials, 'none'))).toMatchObject({ status: 'completed' });
    expect(byMode(trials, 'hang')).toMatchObject({ status: 'failed', ending: { kind: 'timeout', reason: expect.stringContaining('stalled') } });
    // One SIGTERM ends the agent, even though the hung trainer's code is still in its process.
    worker.kill('SIGTERM');
    const exit = await finish(worker, 60_000).catch((e: Error) => e);
    expect(exit, log()).not.toBeInstanceOf(Error);
  });

  it('one SIGTERM stops an agent whose in-process trial ignores its stop, after the grace period', async () => {
    const worker = agent('--in-process');
    const template = (await hpo(['--store', REDIS, 'train', 'template.ts'], { cwd: dir, env })).stdout.trim();
    const hung = await store.clone(template, { params: { ...(await store.get(template)).params, 'fault/mode': 'hang' }, status: 'queued' });
    const { enqueueTask } = await import('../../src/exec/queue/index.ts');
    await enqueueTask({ redisUrl: REDIS, prefix, queue, kind: 'trial', taskId: hung.id, storeSpec: REDIS });
    await until('the trial to hang at epoch 1', async () => ((await store.getScalars(hung.id))['metrics/mAP_0.5:0.95'] ?? []).length === 1);
    worker.kill('SIGTERM');
    const exit = await finish(worker, 60_000);
    expect(exit.code, exit.stderr).toBe(0);
    expect(exit.stderr).toContain(`task ${hung.id} (job ${hung.id}) ignored its stop`);
    // Handed back for another agent, not lost.
    expect((await store.get(hung.id)).status).toBe('queued');
  });
});

import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskStore } from '../../src/core/index.ts';
import { openStore } from '../../src/store/index.ts';
import { countKeys, deleteKeys } from '../exec/queue/redis-keys-cleanup.ts';
import { waitFor } from '../exec/queue/helpers.ts';
import { BIN, tempDir, writeConfig, writeTemplate } from '../helpers/temp.ts';
import { alive, decisions, pidFiles, spawnHpo } from './helpers.ts';

const REDIS = process.env.REDIS_URL!;
const space = { 'hyp/lr0': { type: 'float', low: 1e-4, high: 0.1, log: true }, 'hyp/momentum': { type: 'float', low: 0.6, high: 0.98 } };

/**
 * The autoscaler as users run it: `hpo autoscale` with the local provider starts real `hpo agent`
 * processes for a study enqueued by `hpo run --queue`, on a real Redis. Each test has its own
 * key prefix, queue and folder, and kills whatever it started.
 */
describe('hpo autoscale with the local provider', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let prefix: string;
  let queue: string;
  let env: NodeJS.ProcessEnv;
  let store: TaskStore;
  let agentsDir: string;
  const started: { kill(signal: NodeJS.Signals): boolean }[] = [];

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    prefix = `hpo-test-${randomUUID()}:`;
    queue = `q-${randomUUID().slice(0, 8)}`;
    agentsDir = path.join(dir, 'agents');
    env = { ...process.env, HPO_REDIS_PREFIX: prefix, REDIS_URL: REDIS, HPO_HOME: path.join(dir, '.hpo') };
    store = await openStore(path.join(dir, '.hpo'));
  });
  afterEach(async () => {
    for (const p of started) p.kill('SIGKILL');
    for (const { pid } of pidFiles(agentsDir)) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await store.close();
    await deleteKeys(REDIS, `${prefix}*`);
    await cleanup();
  });

  /** The template as a draft task: training it (`hpo train`) would sleep through all its epochs for nothing. */
  const createTemplate = () => spawnSync(process.execPath, [BIN, 'task', 'create', 'template.ts'], { cwd: dir, env, encoding: 'utf8' }).stdout.trim();

  const autoscaler = () => {
    const child = spawnHpo(['autoscale'], { cwd: dir, env });
    started.push(child);
    return child;
  };

  it('brings up max agents for 12 queued trials, survives its own kill -9, replaces a dead agent, and stops idle agents', async () => {
    // 12 s per trial, 4 rounds of 3: long enough to kill and restart things mid-study on a loaded machine.
    await writeTemplate(dir, { trainer: { epochMs: 1000 }, params: { 'args/epochs': 12 } });
    await writeConfig(dir, {
      space,
      strategy: { type: 'random' },
      budget: { maxTrials: 12, concurrency: 12 },
      execution: { type: 'queue', queue },
      autoscale: {
        queues: [queue],
        max: 3,
        idle: 2,
        poll: 0.3,
        cooldown: 1,
        lostAfter: 3,
        stopTimeout: 10,
        budget: '1h',
        provider: { type: 'local', dir: agentsDir, agentArgs: ['--lock-duration', '2000', '--in-process'] },
      },
    });
    const templateId = createTemplate();
    const first = autoscaler();
    const study = spawnHpo(['run', '--template', templateId, '--queue', queue, '--json'], { cwd: dir, env });
    started.push(study);
    const completed = async () => (await store.list({ status: 'completed', type: 'training' })).filter((t) => t.parent).length;

    // Three agents, and their presence records, for twelve waiting trials.
    await waitFor('3 agents present', async () => (await countKeys(REDIS, `${prefix}agent:*`)) === 3, 60_000, 100);
    first.kill('SIGKILL');
    await first.exited;
    const beforeRestart = await decisions(store);
    expect(beforeRestart.filter((d) => d.kind === 'start'), first.output()).toHaveLength(3);
    const agents = pidFiles(agentsDir);
    expect(agents).toHaveLength(3);
    expect(agents.every((a) => alive(a.pid))).toBe(true); // the autoscaler's kill -9 left them working
    expect(await completed()).toBeLessThan(12);

    const second = autoscaler();
    await waitFor('the restarted autoscaler to adopt the 3 agents', async () => (await decisions(store)).slice(beforeRestart.length).filter((d) => d.kind === 'adopt').length === 3, 60_000, 100);
    const afterAdopt = await decisions(store);
    expect(afterAdopt.slice(beforeRestart.length).filter((d) => d.kind === 'start'), second.output()).toEqual([]);
    expect(new Set(afterAdopt.filter((d) => d.kind === 'adopt').map((d) => ('name' in d ? d.name : '')))).toEqual(new Set(agents.map((a) => a.name)));

    // An agent dies mid-study: it is gone from the provider and a replacement starts.
    expect(await completed()).toBeLessThan(9); // trials still wait
    const victim = agents[0];
    process.kill(victim.pid, 'SIGKILL');
    await waitFor('a replacement agent', async () => (await decisions(store)).slice(afterAdopt.length).some((d) => d.kind === 'start'), 60_000, 100).catch(async (e) => {
      console.log(second.output(), JSON.stringify(await decisions(store), null, 1), pidFiles(agentsDir), await completed());
      throw e;
    });
    const replaced = (await decisions(store)).slice(afterAdopt.length);
    expect(replaced.find((d) => d.kind === 'gone')).toMatchObject({ name: victim.name });

    expect(await study.exited, study.output()).toBe(0);
    expect(await completed()).toBe(12);

    // Idle for 2 s with nothing waiting: every agent is stopped, and exits.
    await waitFor('all agents to stop', async () => pidFiles(agentsDir).filter((a) => alive(a.pid)).length === 0, 60_000, 100);
    second.kill('SIGTERM');
    expect(await second.exited, second.output()).toBe(0);

    const log = await decisions(store);
    const idleStops = log.filter((d) => d.kind === 'stop' && d.cause === 'idle');
    expect(idleStops.length).toBeGreaterThanOrEqual(3);
    expect(log.every((d) => d.instances <= 3 && d.max === 3)).toBe(true);
    expect(log.every((d) => d.budgetMs === 3_600_000 && d.usedMs <= d.budgetMs)).toBe(true);
    const [record] = await store.list({ type: 'autoscaler' });
    expect(record.status).toBe('stopped');
  }, 240_000);

  it('stops every agent before the instance-time budget runs out, and starts none after', async () => {
    await writeTemplate(dir, { trainer: { epochMs: 1000 }, params: { 'args/epochs': 30 } });
    // Each live instance sets aside 2 x 0.3 s + 5 s for its stop: 3 instances fit in 30 s, and must stop by 30 - 16.8 s used.
    await writeConfig(dir, {
      space,
      budget: { maxTrials: 6, concurrency: 6 },
      execution: { type: 'queue', queue },
      autoscale: { queues: [queue], max: 3, idle: 60, poll: 0.3, stopTimeout: 5, budget: 30, provider: { type: 'local', dir: agentsDir, agentArgs: ['--lock-duration', '2000', '--in-process'] } },
    });
    const templateId = createTemplate();
    const scaler = autoscaler();
    const study = spawnHpo(['run', '--template', templateId, '--queue', queue], { cwd: dir, env });
    started.push(study);
    await waitFor('the budget stop and the agents gone', async () => {
      const log = await decisions(store);
      return log.some((d) => d.kind === 'hold' && /^budget/.test(d.reason)) && log.filter((d) => d.kind === 'gone').length === log.filter((d) => d.kind === 'start').length && log.length > 0;
    }, 120_000, 100).catch((e) => { throw new Error(`${(e as Error).message}\n${scaler.output()}`); });
    const log = await decisions(store);
    // However many started (the first tick may see fewer than 6 waiting; then the 30 s cool-down holds), all were stopped for the budget.
    const starts = log.filter((d) => d.kind === 'start').length;
    expect(starts).toBeGreaterThanOrEqual(1);
    expect(log.filter((d) => d.kind === 'stop' && d.cause === 'budget')).toHaveLength(starts);
    expect(log.every((d) => d.usedMs <= 30_000 && d.instances <= 3), JSON.stringify(log)).toBe(true);
    // No start after the budget stop, however long trials wait.
    await new Promise((r) => setTimeout(r, 2_000));
    const later = await decisions(store);
    expect(later.slice(log.length).filter((d) => d.kind === 'start')).toEqual([]);
    expect(pidFiles(agentsDir).filter((a) => alive(a.pid))).toEqual([]);
  }, 180_000);
});

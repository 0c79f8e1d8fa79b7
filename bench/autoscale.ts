/**
 * Autoscaling cost and speed: `npm run bench:autoscale` (REDIS_URL, default redis://127.0.0.1:6379).
 *
 * Real processes throughout: `hpo autoscale` with the local provider starts `hpo agent`
 * processes for studies enqueued with `hpo run --queue` (function trainer, 10 epochs of 100 ms).
 * 1. Cold start: with no agent running, the time from a trial's creation (it is enqueued at
 *    once) to an agent taking it (`startedAt`): the autoscaler's poll plus an agent's boot.
 * 2. A 40-trial study (concurrency 40) with max 4 agents, idle 2 s: the instance-minutes the
 *    autoscaler used (until its last agent is gone) and the study's wall time, each as a ratio
 *    to a fixed pool of 4 agents already running (instance-minutes = 4 x the study's wall time).
 * Own folder, key prefix and queue; cleaned up at the end.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { openStore } from '../src/store/index.ts';
import { readDecisions } from '../src/autoscale/record.ts';
import type { TaskStore } from '../src/core/index.ts';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const BIN = path.resolve(import.meta.dirname, '../bin/hpo.js');
const dir = mkdtempSync(path.join(tmpdir(), 'hpo-bench-autoscale-'));
const prefix = `hpo-bench-${randomUUID()}:`;
const env = { ...process.env, HPO_HOME: path.join(dir, '.hpo'), HPO_REDIS_PREFIX: prefix, REDIS_URL: url };
const children: ChildProcess[] = [];

function writeSetup(queue: string, autoscale: Record<string, unknown>, trials: number): void {
  const space = { 'hyp/lr0': { type: 'float', low: 1e-4, high: 0.1, log: true } };
  writeFileSync(path.join(dir, 'hpo.config.ts'), `export default ${JSON.stringify({
    space,
    budget: { maxTrials: trials, concurrency: trials },
    execution: { type: 'queue', queue },
    autoscale: { queues: [queue], poll: 0.5, cooldown: 1, idle: 2, provider: { type: 'local', dir: path.join(dir, `agents-${queue}`), agentArgs: ['--in-process'] }, ...autoscale },
  })};\n`);
}

function hpo(args: string[]): ChildProcess {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env, stdio: 'ignore' });
  children.push(child);
  return child;
}
const exited = (c: ChildProcess) => new Promise<number | null>((r) => (c.exitCode !== null ? r(c.exitCode) : c.once('exit', r)));

async function until(what: string, check: () => Promise<boolean>, ms = 600_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Signals the agents the local provider started for `queue`, by the pids in its pid files. */
function killAgents(queue: string, signal: NodeJS.Signals): void {
  const agentsDir = path.join(dir, `agents-${queue}`);
  if (!existsSync(agentsDir)) return;
  for (const f of readdirSync(agentsDir).filter((f) => f.endsWith('.json'))) {
    try {
      process.kill((JSON.parse(readFileSync(path.join(agentsDir, f), 'utf8')) as { pid: number }).pid, signal);
    } catch {
      // already gone
    }
  }
}

async function agentCount(): Promise<number> {
  const redis = new Redis(url);
  const keys = await redis.keys(`${prefix}agent:*`);
  redis.disconnect();
  return keys.length;
}

async function record(store: TaskStore, queue: string) {
  const task = (await store.list({ type: 'autoscaler' })).find((t) => (t.config as { key: string }).key === queue)!;
  return { task, decisions: await readDecisions(store, task.id) };
}

/** Runs one study to its end; returns its wall time (ms) and trials. */
async function study(store: TaskStore, templateId: string, queue: string): Promise<{ wallMs: number; controllerId: string }> {
  const started = Date.now();
  const run = hpo(['run', '--template', templateId, '--queue', queue]);
  if ((await exited(run)) !== 0) throw new Error('hpo run failed');
  const controllerId = (await store.list({ type: 'controller' })).at(-1)!.id;
  return { wallMs: Date.now() - started, controllerId };
}

async function main(): Promise<void> {
  const store = await openStore(path.join(dir, '.hpo'));
  writeFileSync(path.join(dir, 'template.ts'), `export default ${JSON.stringify({ name: 'curve', project: 'bench', trainer: { type: 'function', objective: 'learning-curve', epochMs: 100 }, params: { 'hyp/lr0': 0.01, 'args/epochs': 10 } })};\n`);
  const templateId = spawnSync(process.execPath, [BIN, 'train', 'template.ts'], { cwd: dir, env, encoding: 'utf8' }).stdout.trim();
  const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
  console.log(`load average at start: ${load()}`);

  // 1. Cold start, three times (the agent stops after 2 s idle between them).
  const qCold = `cold-${randomUUID().slice(0, 6)}`;
  writeSetup(qCold, { max: 1 }, 1);
  const coldScaler = hpo(['autoscale']);
  const cold: number[] = [];
  for (let i = 0; i < 3; i++) {
    await until('no agent', async () => (await agentCount()) === 0);
    await sleep(1000);
    const { controllerId } = await study(store, templateId, qCold);
    const [trial] = await store.list({ parent: controllerId });
    cold.push(trial.startedAt! - trial.createdAt);
  }
  coldScaler.kill('SIGTERM');
  await exited(coldScaler);
  console.log(`cold start, enqueue -> an agent takes the trial: ${cold.map((ms) => `${(ms / 1000).toFixed(2)} s`).join(', ')} (load ${load()})`);

  // 2a. Fixed pool: 4 agents up before the study (min = max = 4), never idle-stopped.
  const qFixed = `fixed-${randomUUID().slice(0, 6)}`;
  writeSetup(qFixed, { min: 4, max: 4, idle: '1h' }, 40);
  const pool = hpo(['autoscale']);
  await until('4 agents', async () => (await agentCount()) === 4);
  const fixed = await study(store, templateId, qFixed);
  pool.kill('SIGTERM');
  await exited(pool);
  const fixedInstanceMs = 4 * fixed.wallMs;
  console.log(`fixed pool of 4: 40 trials in ${(fixed.wallMs / 1000).toFixed(1)} s, ${(fixedInstanceMs / 60_000).toFixed(2)} instance-min (load ${load()})`);
  // Stop the pool's agents (they outlive the autoscaler by design).
  killAgents(qFixed, 'SIGTERM');
  await until('pool agents gone', async () => (await agentCount()) === 0);

  // 2b. Autoscaled from zero, max 4, idle 2 s.
  const qAuto = `auto-${randomUUID().slice(0, 6)}`;
  writeSetup(qAuto, { min: 0, max: 4 }, 40);
  const scaler = hpo(['autoscale']);
  await sleep(3000); // the autoscaler is up before the study, as in practice
  const auto = await study(store, templateId, qAuto);
  await until('autoscaled agents gone', async () => (await record(store, qAuto)).decisions.filter((d) => d.kind === 'gone').length >= (await record(store, qAuto)).decisions.filter((d) => d.kind === 'start').length);
  const { decisions } = await record(store, qAuto);
  const usedMs = decisions.at(-1)!.usedMs;
  scaler.kill('SIGTERM');
  await exited(scaler);
  const starts = decisions.filter((d) => d.kind === 'start').length;
  console.log(`autoscaled (max 4, idle 2 s): 40 trials in ${(auto.wallMs / 1000).toFixed(1)} s, ${(usedMs / 60_000).toFixed(2)} instance-min, ${starts} starts (load ${load()})`);
  console.log(`ratios to the fixed pool: instance-minutes ${(usedMs / fixedInstanceMs).toFixed(2)}, wall time ${(auto.wallMs / fixed.wallMs).toFixed(2)}`);
  await store.close();
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const c of children) c.kill('SIGKILL');
    for (const f of existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('agents-')) : []) killAgents(f.slice('agents-'.length), 'SIGKILL');
    const redis = new Redis(url);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArtifactStores, openArtifactStore, readTaskArtifact } from '../../src/artifacts/index.ts';
import type { TaskStore } from '../../src/core/index.ts';
import { openStore } from '../../src/store/index.ts';
import { createTaskRunner } from '../../src/worker/run-task.ts';
import { fixtureParams, fixtureTrainer } from '../trainers/command/fixture.ts';
import { deleteKeys } from '../exec/queue/redis-keys-cleanup.ts';
import { BIN, tempDir, writeConfig, writeTemplate } from '../helpers/temp.ts';

const REDIS = process.env.REDIS_URL!;

/**
 * Artifacts and datasets with the Redis store and its default artifact store (the same Redis):
 * a dataset version made in one folder, a study whose template names it by hpo://, run by two
 * agents in their own folders with their own dataset caches, as on separate machines.
 */
describe('hpo:// datasets and Redis artifacts across agents', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let prefix: string;
  let agents: ChildProcess[];
  let store: TaskStore;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    prefix = `hpo-test-${randomUUID()}:`;
    agents = [];
    store = await openStore(REDIS, { env: { HPO_REDIS_PREFIX: prefix } });
  });
  afterEach(async () => {
    for (const a of agents) a.kill('SIGKILL');
    await store.close();
    await deleteKeys(REDIS, `${prefix}*`);
    await cleanup();
  });

  const envIn = (name: string): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...process.env, HPO_REDIS_PREFIX: prefix, REDIS_URL: REDIS, HPO_CACHE: path.join(dir, name, 'cache') };
    delete env.HPO_ARTIFACTS;
    return env;
  };
  const hpo = (where: string, args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, '--store', REDIS, ...args], { cwd: path.join(dir, where), encoding: 'utf8', env: envIn(where), timeout: 240_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('two agents with separate caches run a study on hpo://<id>; every trial records the dataset and its checkpoints are in Redis', async () => {
    for (const where of ['laptop', 'gpu-a', 'gpu-b']) await mkdir(path.join(dir, where));
    const synth = hpo('laptop', ['data', 'synth', '--dataset', 'shapes/synth', '--train', '4', '--val', '2', '--json']);
    expect(synth.code, synth.stderr).toBe(0);
    const datasetId = JSON.parse(synth.stdout).id as string;

    const queue = `q-${randomUUID()}`;
    const startAgent = (where: string, mode: string[]) => {
      const agent = spawn(process.execPath, [BIN, '--store', REDIS, 'agent', '--queue', queue, ...mode], { cwd: path.join(dir, where), env: envIn(where), stdio: 'ignore' });
      agents.push(agent);
      return agent;
    };
    const laptop = path.join(dir, 'laptop');
    // 64 KiB checkpoints: more than one Redis chunk each.
    await writeTemplate(laptop, { trainer: { checkpointBytes: 65_536 }, params: { 'args/data': `hpo://${datasetId}`, 'args/epochs': 2 } });
    await writeConfig(laptop, { space: { 'hyp/lr0': { type: 'float', low: 1e-4, high: 0.1, log: true } }, budget: { maxTrials: 2, concurrency: 2 }, seed: 2 });
    const templateId = hpo('laptop', ['task', 'create', 'template.ts']).stdout.trim();
    // The first two trials on one machine (trials in-process), the next two on another (a child per trial).
    const first = startAgent('gpu-a', ['--in-process']);
    const run = hpo('laptop', ['run', '--template', templateId, '--queue', queue, '--json']);
    expect(run.code, run.stderr).toBe(0);
    first.kill('SIGKILL');
    startAgent('gpu-b', []);
    const controllerId = JSON.parse(run.stdout).controllerId as string;
    const extended = hpo('laptop', ['run', '--resume', controllerId, '--trials', '4', '--json']);
    expect(extended.code, extended.stderr).toBe(0);
    const board = JSON.parse(extended.stdout) as { rows: Array<{ taskId: string; status: string }> };
    expect(board.rows.map((r) => r.status)).toEqual(['completed', 'completed', 'completed', 'completed']);

    const artifacts = new ArtifactStores(await openArtifactStore(REDIS, { env: { HPO_REDIS_PREFIX: prefix } }));
    try {
      const ranBy = new Set<string>();
      for (const { taskId } of board.rows) {
        const trial = await store.get(taskId);
        expect(trial.dataset).toMatchObject({ uri: `hpo://${datasetId}`, id: datasetId });
        expect(trial.artifacts['last.bin']).toMatchObject({ size: 65_536, key: `tasks/${taskId}/last.bin`, store: artifacts.primary.spec });
        // Read back from here, a third working folder: the bytes of the last epoch (epoch 1).
        expect((await readTaskArtifact(store, artifacts, taskId, 'last.bin')).equals(Buffer.alloc(65_536, 1))).toBe(true);
        ranBy.add(trial.environment?.run?.agent ?? '');
      }
      expect(ranBy.size).toBe(2); // the two agents
    } finally {
      await artifacts.close();
    }
    // Each agent fetched the version into its own cache; the laptop, which trained nothing, did not.
    for (const where of ['gpu-a', 'gpu-b']) expect(existsSync(path.join(dir, where, 'cache', 'datasets', datasetId, 'data.yaml')), where).toBe(true);
    expect(existsSync(path.join(dir, 'laptop', 'cache', 'datasets'))).toBe(false);
  }, 240_000);

  it('a 90 MiB checkpoint written by an agent through the Redis store is a local file for a trial elsewhere (args/weights=<task-id>/last.bin)', async () => {
    await mkdir(path.join(dir, 'gpu-a'));
    const queue = `q-${randomUUID()}`;
    agents.push(spawn(process.execPath, [BIN, '--store', REDIS, 'agent', '--queue', queue], { cwd: path.join(dir, 'gpu-a'), env: envIn('gpu-a'), stdio: 'ignore' }));
    const size = 90 * 2 ** 20; // a yolov5s checkpoint's size
    const writer = await store.create({ name: 'big', project: 'test', type: 'training', trainer: { type: 'function', objective: 'learning-curve', checkpointBytes: size }, params: { 'args/epochs': 1 } });
    const queued = hpo('gpu-a', ['enqueue', writer.id, '--queue', queue]);
    expect(queued.code, queued.stderr).toBe(0);
    for (let status = ''; status !== 'completed'; status = (await store.get(writer.id)).status) {
      expect(['draft', 'queued', 'running', 'completed']).toContain(status || 'queued');
      await new Promise((r) => setTimeout(r, 200));
    }
    const ref = (await store.get(writer.id)).artifacts['last.bin'];
    expect(ref).toMatchObject({ size, key: `tasks/${writer.id}/last.bin` });

    // Elsewhere (this process, its own folders): a train.py trial whose weights are that checkpoint.
    const artifacts = new ArtifactStores(await openArtifactStore(REDIS, { env: { HPO_REDIS_PREFIX: prefix } }));
    try {
      const reader = await store.create({ name: 'user', project: 'test', type: 'training', status: 'queued', trainer: fixtureTrainer(), params: fixtureParams({ 'args/epochs': 1, 'args/weights': `${writer.id}/last.bin` }) });
      const work = path.join(dir, 'elsewhere');
      const outcome = await createTaskRunner(store, { workRoot: work, keepWorkDir: true, artifacts, cacheDir: path.join(dir, 'cache') })(reader.id, { signal: new AbortController().signal });
      expect(outcome.status, JSON.stringify(outcome)).toBe('completed');
      const trialDir = path.join(work, readdirSync(work).find((name) => name.startsWith(`${reader.id}-`))!);
      const opt = JSON.parse(await readFile(path.join(trialDir, 'exp', 'opt.json'), 'utf8')) as { weights: string };
      expect(opt.weights).toBe(path.join(trialDir, `weights-${writer.id}-last.bin`));
      expect((await stat(opt.weights)).size).toBe(size);
      expect(createHash('sha256').update(await readFile(opt.weights)).digest('hex')).toBe(ref.sha256);
    } finally {
      await artifacts.close();
    }
  }, 240_000);
});

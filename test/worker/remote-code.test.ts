import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileTaskStore } from '../../src/store/index.ts';
import { createTaskRunner } from '../../src/worker/run-task.ts';
import { deleteKeys } from '../exec/queue/redis-keys-cleanup.ts';
import { BIN, tempDir } from '../helpers/temp.ts';
import { PYTHON } from '../trainers/command/fixture.ts';

const REDIS = process.env.REDIS_URL!;

/** A trainer script: reports `value` from helper.py (untracked) times a factor, one epoch. */
const script = (factor: number) => `from helper import value\nprint('hpo:report {"step": 0, "scalars": {"metrics/mAP_0.5:0.95": %s}}' % (value * ${factor}))\n`;

describe('reproducible remote execution: recorded code recreated by an agent', { timeout: 180_000 }, () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let repo: string;
  let children: ChildProcess[];
  let prefix: string;
  const gitIn = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' });

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    children = [];
    prefix = `hpo-test-${randomUUID()}:`;
    repo = path.join(dir, 'repo');
    await mkdir(path.join(repo, 'train'), { recursive: true });
    gitIn(repo, 'init', '-q');
    await writeFile(path.join(repo, 'train/script.py'), script(2));
    await writeFile(path.join(repo, 'train/template.ts'), `export default ${JSON.stringify({ name: 'remote', project: 't', trainer: { type: 'command', command: PYTHON, args: ['script.py'] }, params: {} })};\n`);
    gitIn(repo, 'add', '.');
    gitIn(repo, 'commit', '-q', '-m', 'trainer');
    // Uncommitted: the factor changes, and helper.py exists only in the working tree.
    await writeFile(path.join(repo, 'train/script.py'), script(3));
    await writeFile(path.join(repo, 'train/helper.py'), 'value = 0.25\n');
  });
  afterEach(async () => {
    for (const c of children) c.kill('SIGKILL');
    await deleteKeys(REDIS, `${prefix}*`);
    await cleanup();
  });

  it('a task created from a working tree with an uncommitted change runs on an agent elsewhere and gives the local result', async () => {
    const local = execFileSync(PYTHON, ['script.py'], { cwd: path.join(repo, 'train'), encoding: 'utf8' });
    expect(local).toContain('0.75');
    const env = { ...process.env, HPO_HOME: path.join(dir, '.hpo'), HPO_REDIS_PREFIX: prefix, REDIS_URL: REDIS, HPO_CODE_CACHE: path.join(dir, 'cache') };
    const created = spawnSync(process.execPath, [BIN, 'task', 'create', 'template.ts'], { cwd: path.join(repo, 'train'), env, encoding: 'utf8' });
    expect(created.status, created.stderr).toBe(0);
    const id = created.stdout.trim();
    const store = new FileTaskStore({ root: path.join(dir, '.hpo') });
    const code = (await store.get(id)).code!;
    expect(code).toMatchObject({ remote: repo, commit: gitIn(repo, 'rev-parse', 'HEAD').trim(), workingDir: 'train', entryPoint: 'train/template.ts' });
    expect(code.diff).toContain('+print(');
    expect(code.untracked!.map((u) => u.path)).toEqual(['train/helper.py']);

    // The agent works in an empty folder: only the recorded code can give 0.75.
    const elsewhere = path.join(dir, 'elsewhere');
    await mkdir(elsewhere);
    const queue = `q-${randomUUID()}`;
    const enqueued = spawnSync(process.execPath, [BIN, 'enqueue', id, '--queue', queue], { cwd: elsewhere, env, encoding: 'utf8' });
    expect(enqueued.status, enqueued.stderr).toBe(0);
    children.push(spawn(process.execPath, [BIN, 'agent', '--queue', queue], { cwd: elsewhere, env, stdio: 'ignore' }));
    const end = Date.now() + 150_000;
    while ((await store.get(id)).status !== 'completed' && (await store.get(id)).status !== 'failed' && Date.now() < end) await new Promise((r) => setTimeout(r, 300));
    const done = await store.get(id);
    expect(done.status, await store.readLog(id)).toBe('completed');
    expect((await store.getScalars(id))['metrics/mAP_0.5:0.95']).toEqual([{ step: 0, value: 0.75 }]);
    expect(done.environment!.git).toMatchObject({ commit: code.commit, dirty: true });
    expect(done.environment!.git!.dir!.startsWith(path.join(dir, 'cache'))).toBe(true);
    await store.close();
  });

  it('fails the trial clearly when the recorded diff no longer applies, or the commit cannot be fetched', async () => {
    const commit = gitIn(repo, 'rev-parse', 'HEAD').trim();
    const store = new FileTaskStore({ root: path.join(dir, '.hpo') });
    const trainer = { type: 'command', command: PYTHON, args: ['script.py'] };
    const badDiff = '--- a/train/script.py\n+++ b/train/script.py\n@@ -1 +1 @@\n-not what the file says\n+x\n';
    const run = createTaskRunner(store, { workRoot: path.join(dir, 'work') });
    const cache = path.join(dir, 'cache');
    process.env.HPO_CODE_CACHE = cache;
    try {
      const a = await store.create({ name: 'a', project: 't', type: 'training', trainer, params: {}, status: 'queued', code: { remote: repo, commit, diff: badDiff, workingDir: 'train' } });
      const outcomeA = await run(a.id, { signal: new AbortController().signal });
      expect(outcomeA.status).toBe('failed');
      expect(outcomeA.reason).toMatch(new RegExp(`^the task's recorded uncommitted changes do not apply at commit ${commit.slice(0, 12)}: .*patch does not apply.*Record the task again from a working tree \\(hpo task create --repo\\)\\.$`, 's'));
      const missing = 'f'.repeat(40);
      const b = await store.create({ name: 'b', project: 't', type: 'training', trainer, params: {}, status: 'queued', code: { remote: repo, commit: missing, workingDir: '.' } });
      const outcomeB = await run(b.id, { signal: new AbortController().signal });
      expect(outcomeB.status).toBe('failed');
      expect(outcomeB.reason).toMatch(new RegExp(`^cannot fetch commit ${missing} from ${repo}: .*Push that commit`, 's'));
    } finally {
      delete process.env.HPO_CODE_CACHE;
      await store.close();
    }
  });
});

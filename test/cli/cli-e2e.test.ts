import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileTaskStore } from '../../src/store/index.ts';
import { BIN, tempDir, writeConfig, writeTemplate } from '../helpers/temp.ts';

/** Runs the real `hpo` binary in `cwd` with its own store. */
function hpo(cwd: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, HPO_HOME: path.join(cwd, '.hpo') }, timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const space = { 'hyp/lr0': { type: 'float', low: 1e-4, high: 0.1, log: true }, 'hyp/momentum': { type: 'float', low: 0.6, high: 0.98 } };

describe('the hpo binary end to end', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  it('train -> run -> top', async () => {
    await writeTemplate(dir);
    await writeConfig(dir, { space, budget: { maxTrials: 3, concurrency: 2 }, seed: 1 });
    const train = hpo(dir, ['train', 'template.ts']);
    expect(train.stderr).toContain('epoch 5:');
    expect(train.code).toBe(0);
    const templateId = train.stdout.trim();
    expect(templateId).toMatch(/^[a-z0-9]{12,16}$/);

    const run = hpo(dir, ['run', '--template', templateId, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const board = JSON.parse(run.stdout);
    expect(board.rows).toHaveLength(3);
    expect(board.rows.map((r: { status: string }) => r.status)).toEqual(['completed', 'completed', 'completed']);
    expect(board.rows[0].objective).toBeGreaterThanOrEqual(board.rows[2].objective);

    const top = hpo(dir, ['top', board.controllerId]);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain(`${board.name} (${board.controllerId}): completed, 3 trials`);
    expect(top.stdout).toContain(board.rows[0].taskId);
    expect(top.stdout).toMatch(/│ 1\s+│ \w+\s+│ completed │ 0\.\d{4}/);

    const list = hpo(dir, ['tasks', 'list', '--parent', board.controllerId, '--json']);
    expect(JSON.parse(list.stdout)).toHaveLength(3);
  });

  it("uses the config's store unless --store or HPO_HOME names one", async () => {
    await writeTemplate(dir);
    await writeConfig(dir, { space, budget: { maxTrials: 1, concurrency: 1 }, store: 'team-store' });
    const env = { ...process.env, HPO_HOME: undefined };
    const run = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', env, timeout: 120_000 });
    const templateId = run(['--store', 'team-store', 'train', 'template.ts']).stdout.trim();
    const study = run(['run', '--template', templateId, '--json']);
    expect(study.status, study.stderr).toBe(0);
    const store = new FileTaskStore({ root: path.join(dir, 'team-store') });
    expect(await store.list({ parent: JSON.parse(study.stdout).controllerId })).toHaveLength(1);
  });

  it('explains bad input without a stack trace', async () => {
    await writeConfig(dir, { space });
    const unknown = hpo(dir, ['run', '--template', 'nosuchtask1234']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^hpo: Task "nosuchtask1234" not found in .*\. List tasks with `hpo tasks list`\.\n$/);

    const traversal = hpo(dir, ['tasks', 'show', '../../etc']);
    expect(traversal.code).toBe(1);
    expect(traversal.stderr).toContain('Invalid task id "../../etc"');

    const zero = hpo(dir, ['run', '--template', 'x', '--trials', '0']);
    expect(zero.code).toBe(1);
    expect(zero.stderr).toContain('--trials must be >= 1 (received 0)');

    const missing = hpo(dir, ['train', 'templates/missing.ts']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/template not found: .*missing\.ts/);
    expect(missing.stderr).not.toContain('    at ');
  });

  it('resumes a study whose controller was killed, without re-running finished trials', async () => {
    await writeTemplate(dir, { trainer: { epochMs: 150 } });
    await writeConfig(dir, { space, budget: { maxTrials: 6, concurrency: 2 }, seed: 2 });
    const templateId = hpo(dir, ['train', 'template.ts']).stdout.trim();
    const store = new FileTaskStore({ root: path.join(dir, '.hpo') });

    const controller = spawn(process.execPath, [BIN, 'run', '--template', templateId], { cwd: dir, env: { ...process.env, HPO_HOME: path.join(dir, '.hpo') }, stdio: 'ignore' });
    let controllerId = '';
    for (let i = 0; i < 600; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const controllers = await store.list({ type: 'controller' });
      controllerId = controllers[0]?.id ?? '';
      if (controllerId && (await store.list({ parent: controllerId, status: 'completed' })).length >= 2) break;
    }
    controller.kill('SIGKILL');
    await new Promise((r) => controller.once('exit', r));
    const before = await store.list({ parent: controllerId, status: 'completed' });
    expect(before.length).toBeGreaterThanOrEqual(2);
    expect(before.length).toBeLessThan(6);

    const resume = hpo(dir, ['run', '--resume', controllerId, '--force', '--json']);
    expect(resume.code, resume.stderr).toBe(0);
    const trials = await store.list({ parent: controllerId });
    const completed = trials.filter((t) => t.status === 'completed');
    expect(completed).toHaveLength(6);
    expect(completed.map((t) => t.id)).toEqual(expect.arrayContaining(before.map((t) => t.id)));
    for (const t of trials.filter((t) => t.status !== 'completed')) expect(t.statusReason).toMatch(/^interrupted/);
    for (const t of completed) {
      const log = await store.readLog(t.id);
      expect(log.match(/function trainer:/g), `trial ${t.id} ran once`).toHaveLength(1);
      expect((await store.getScalars(t.id))['metrics/mAP_0.5:0.95'].map((p) => p.step)).toEqual([0, 1, 2, 3, 4]);
    }
    const numbers = trials.map((t) => t.tags.find((tag) => tag.startsWith('trial:')));
    expect(new Set(numbers).size).toBe(trials.length);
    expect((await store.get(controllerId)).status).toBe('completed');
  });
});

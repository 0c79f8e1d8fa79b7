import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileTaskStore } from '../../src/store/index.ts';
import { BIN, tempDir, writeConfig, writeTemplate } from '../helpers/temp.ts';

function hpo(cwd: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, HPO_HOME: path.join(cwd, '.hpo'), HPO_CACHE: path.join(cwd, 'cache') };
  delete env.HPO_ARTIFACTS;
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env, timeout: 180_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('artifacts, datasets and retention through the hpo binary', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  it('a 10-trial study on hpo://<project>/<name> with keepTopK 3 keeps artifacts on exactly the best 3; delete and gc', async () => {
    const synth = hpo(dir, ['data', 'synth', '--dataset', 'shapes/synth', '--train', '4', '--val', '2', '--json']);
    expect(synth.code, synth.stderr).toBe(0);
    const datasetId = JSON.parse(synth.stdout).id as string;
    expect(datasetId).toMatch(/^ds-/);
    const list = JSON.parse(hpo(dir, ['data', 'list', '--json']).stdout);
    expect(list).toMatchObject([{ id: datasetId, project: 'shapes', name: 'synth', state: 'closed', fileCount: 13 }]);

    await writeTemplate(dir, { trainer: { checkpointBytes: 4096 }, params: { 'args/data': 'hpo://shapes/synth', 'args/epochs': 2 } });
    const space = { 'hyp/lr0': { type: 'float', low: 1e-4, high: 0.1, log: true } };
    await writeConfig(dir, { space, budget: { maxTrials: 10, concurrency: 2, keepTopK: 3 }, seed: 3 });
    const train = hpo(dir, ['train', 'template.ts']);
    expect(train.code, train.stderr).toBe(0);
    const run = hpo(dir, ['run', '--template', train.stdout.trim(), '--json']);
    expect(run.code, run.stderr).toBe(0);
    const board = JSON.parse(run.stdout) as { controllerId: string; rows: Array<{ taskId: string; status: string }> };
    expect(board.rows.map((r) => r.status)).toEqual(Array(10).fill('completed'));

    const store = new FileTaskStore({ root: path.join(dir, '.hpo') });
    const best = board.rows.slice(0, 3).map((r) => r.taskId);
    for (const row of board.rows) {
      const task = await store.get(row.taskId);
      expect(task.dataset).toMatchObject({ id: datasetId, uri: 'hpo://shapes/synth' });
      if (best.includes(row.taskId)) {
        expect(Object.keys(task.artifacts), row.taskId).toEqual(['last.bin']);
        expect(task.artifacts['last.bin']).toMatchObject({ size: 4096, key: `tasks/${row.taskId}/last.bin` });
        expect(task.artifactsDeleted).toBeUndefined();
      } else {
        expect(task.artifacts, row.taskId).toEqual({});
        expect(task.artifactsDeleted).toMatchObject({ names: ['last.bin'], reason: expect.stringContaining('keepTopK') });
      }
    }
    const artifactDirs = await readdir(path.join(dir, '.hpo', 'artifacts', 'tasks'));
    const trialDirs = artifactDirs.filter((id) => board.rows.some((r) => r.taskId === id) && existsSync(path.join(dir, '.hpo', 'artifacts', 'tasks', id, 'last.bin')));
    expect(trialDirs.sort()).toEqual([...best].sort());
    const shown = hpo(dir, ['tasks', 'show', board.rows[5].taskId]);
    expect(shown.stdout).toContain('artifacts deleted');
    expect(shown.stdout).toContain(`dataset ${datasetId}`);

    const del = hpo(dir, ['tasks', 'delete', best[0]]);
    expect(del.code, del.stderr).toBe(0);
    expect((await store.get(best[0])).artifacts).toEqual({});
    expect(existsSync(path.join(dir, '.hpo', 'artifacts', 'tasks', best[0], 'last.bin'))).toBe(false);
    expect(hpo(dir, ['tasks', 'delete', 'nosuchtask']).stderr).toContain('not found');

    // An orphan (bytes no task references) is found by gc, listed by --dry-run, removed by gc.
    await mkdir(path.join(dir, '.hpo', 'artifacts', 'tasks', 'gone'), { recursive: true });
    await writeFile(path.join(dir, '.hpo', 'artifacts', 'tasks', 'gone', 'x.bin'), 'orphan');
    const dry = hpo(dir, ['gc', '--dry-run', '--older-than', '0', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, orphanedArtifacts: ['tasks/gone/x.bin'], unusedBlobs: 0 });
    expect(existsSync(path.join(dir, '.hpo', 'artifacts', 'tasks', 'gone', 'x.bin'))).toBe(true);
    expect(hpo(dir, ['gc', '--older-than', '0']).code).toBe(0);
    expect(existsSync(path.join(dir, '.hpo', 'artifacts', 'tasks', 'gone', 'x.bin'))).toBe(false);
    expect(existsSync(path.join(dir, '.hpo', 'artifacts', 'tasks', best[1], 'last.bin'))).toBe(true);
    // A finished trial's scratch folder left behind (a kill -9) goes too; a running one's would not.
    const stale = path.join(dir, '.hpo', 'work', `${best[2]}-abc123`);
    await mkdir(stale, { recursive: true });
    const swept = JSON.parse(hpo(dir, ['gc', '--older-than', '0', '--json']).stdout);
    expect(swept.scratchFolders).toEqual([stale]);
    expect(existsSync(stale)).toBe(false);

    // Archived tasks (a study id: its trials too) leave `tasks list` unless --archived.
    expect(hpo(dir, ['tasks', 'archive', board.controllerId]).code).toBe(0);
    const listed = (args: string[]) => (JSON.parse(hpo(dir, ['tasks', 'list', '--json', ...args]).stdout) as Array<{ id: string }>).map((t) => t.id);
    expect(listed([])).toEqual([train.stdout.trim()]);
    expect(listed(['--archived'])).toHaveLength(12);

    // A version fetched into an empty folder holds exactly what was synthesized.
    const got = hpo(dir, ['data', 'get', datasetId, '--out', path.join(dir, 'copy'), '--json']);
    expect(got.code, got.stderr).toBe(0);
    expect(existsSync(path.join(dir, 'copy', 'data.yaml'))).toBe(true);
    expect(hpo(dir, ['data', 'show', 'ds-00000000000000']).stderr).toContain('not found');
  }, 240_000);
});

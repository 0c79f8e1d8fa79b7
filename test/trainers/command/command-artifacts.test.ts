import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArtifactStores, FolderArtifactStore, readTaskArtifact } from '../../../src/artifacts/index.ts';
import { DatasetCatalog, syncFolder } from '../../../src/datasets/index.ts';
import { FileTaskStore } from '../../../src/store/index.ts';
import { createTaskRunner } from '../../../src/worker/run-task.ts';
import { tempDir } from '../../helpers/temp.ts';
import { validate, writeYoloFolder } from '../../datasets/helpers.ts';

// A stand-in for train.py: checks the --data yaml it was given exists, writes weights into its cwd.
const FAKE_TRAIN = `
const fs = require('fs');
const args = process.argv.slice(2);
const data = args[args.indexOf('--data') + 1];
console.log('data ' + data + ' ' + fs.existsSync(data));
fs.mkdirSync('weights', { recursive: true });
fs.writeFileSync('weights/best.pt', 'weights of ' + data);
`;

describe('command trainer with artifacts and an hpo:// dataset', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  it('receives the cached data yaml as --data, uploads its weights, and the task records both', async () => {
    await writeFile(path.join(dir, 'train.cjs'), FAKE_TRAIN);
    await writeYoloFolder(path.join(dir, 'data'), 3, 2);
    const artifacts = new FolderArtifactStore(path.join(dir, 'artifacts'), { durable: false });
    const { version } = await syncFolder(new DatasetCatalog(artifacts), { project: 'p', name: 'd', folder: path.join(dir, 'data') }, { validate });
    const store = new FileTaskStore({ root: path.join(dir, '.hpo') });
    const task = await store.create({
      name: 'external', project: 'test', type: 'training', status: 'queued',
      trainer: { type: 'command', command: process.execPath, args: [path.join(dir, 'train.cjs')], cwd: dir, artifacts: ['weights/best.pt', 'weights/missing.pt'] },
      params: { 'args/data': `hpo://${version.id}` },
    });
    const stores = new ArtifactStores(artifacts);
    const outcome = await createTaskRunner(store, { workRoot: path.join(dir, 'work'), artifacts: stores, cacheDir: path.join(dir, 'cache') })(task.id, { signal: new AbortController().signal });
    expect(outcome).toEqual({ status: 'completed' });
    const yaml = path.join(dir, 'cache', 'datasets', version.id, 'data.yaml');
    const log = await store.readLog(task.id);
    expect(log).toContain(`data ${yaml} true`);
    expect(log).toContain('artifact weights/missing.pt not found');
    const done = await store.get(task.id);
    expect(done.dataset).toEqual({ uri: `hpo://${version.id}`, id: version.id, contentHash: version.contentHash });
    expect(done.artifacts['best.pt']).toMatchObject({ store: artifacts.spec, key: `tasks/${task.id}/best.pt`, size: `weights of ${yaml}`.length });
    expect((await readTaskArtifact(store, stores, task.id, 'best.pt')).toString()).toBe(await readFile(path.join(dir, 'weights/best.pt'), 'utf8'));
    await expect(readTaskArtifact(store, stores, task.id, 'missing.pt')).rejects.toMatchObject({ code: 'ARTIFACT_MISSING' });
  });
});

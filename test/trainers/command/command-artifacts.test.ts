import { readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArtifactStores, FolderArtifactStore, readTaskArtifact } from '../../../src/artifacts/index.ts';
import { DatasetCatalog, syncFolder } from '../../../src/datasets/index.ts';
import { FileTaskStore } from '../../../src/store/index.ts';
import { createTaskRunner } from '../../../src/worker/run-task.ts';
import { tempDir } from '../../helpers/temp.ts';
import { validate, writeYoloFolder } from '../../datasets/helpers.ts';

// A stand-in for train.py: checks the --data yaml it was given, then writes weights epoch by
// epoch into its trial folder (its cwd), reporting each epoch, and waits between them so the
// runner's polls see each checkpoint settle.
const FAKE_TRAIN = `
const fs = require('fs');
const args = process.argv.slice(2);
const data = args[args.indexOf('--data') + 1];
console.log('data ' + data + ' ' + fs.existsSync(data));
fs.mkdirSync('weights', { recursive: true });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  for (let epoch = 0; epoch < 2; epoch++) {
    fs.writeFileSync('weights/last.pt', 'epoch ' + epoch + ' of ' + data);
    console.log('hpo:report ' + JSON.stringify({ step: epoch, scalars: { 'metrics/mAP_0.5': epoch } }));
    // Until the runner has the checkpoint: uploads happen while the program runs, not only after
    // (a runner that uploads at the end only fails the trial here instead of hanging it).
    for (let waited = 0; !fs.existsSync('uploaded-' + epoch); waited += 20) {
      if (waited > 20000) { console.log('last.pt of epoch ' + epoch + ' never uploaded'); process.exit(3); }
      await sleep(20);
    }
  }
  fs.writeFileSync('weights/best.pt', 'best of ' + data);
})();
`;

describe('command trainer with artifacts and an hpo:// dataset', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  it('receives the cached data yaml as --data, uploads checkpoints as they settle and at the end, and the task records both', async () => {
    await writeFile(path.join(dir, 'train.cjs'), FAKE_TRAIN);
    await writeYoloFolder(path.join(dir, 'data'), 3, 2);
    const folder = new FolderArtifactStore(path.join(dir, 'artifacts'), { durable: false });
    const { version } = await syncFolder(new DatasetCatalog(folder), { project: 'p', name: 'd', folder: path.join(dir, 'data') }, { validate });
    const store = new FileTaskStore({ root: path.join(dir, '.hpo') });
    const task = await store.create({
      name: 'external', project: 'test', type: 'training', status: 'queued',
      trainer: { type: 'command', command: process.execPath, args: [path.join(dir, 'train.cjs')], cwd: '{trialDir}', pollSeconds: 0.05, artifacts: ['weights/*.pt', 'weights/missing.pt'] },
      params: { 'args/data': `hpo://${version.id}` },
    });
    const stores = new ArtifactStores(folder);
    // Each epoch's last.pt must reach the artifact store while the program still runs: the
    // program waits for our `uploaded-<epoch>` file, which we write once we have read it back.
    const seen: string[] = [];
    let running = true;
    const watch = (async () => {
      while (running) {
        const text = (await store.get(task.id)).artifacts['last.pt'] ? (await readTaskArtifact(store, stores, task.id, 'last.pt')).toString() : undefined;
        if (text !== undefined && seen.at(-1) !== text) {
          seen.push(text);
          const trialDir = readdirSync(path.join(dir, 'work')).find((name) => name.startsWith(`${task.id}-`))!;
          await writeFile(path.join(dir, 'work', trialDir, `uploaded-${seen.length - 1}`), '');
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const outcome = await createTaskRunner(store, { workRoot: path.join(dir, 'work'), artifacts: stores, cacheDir: path.join(dir, 'cache') })(task.id, { signal: new AbortController().signal });
    running = false;
    await watch;
    expect(outcome).toMatchObject({ status: 'completed' });

    const yaml = path.join(dir, 'cache', 'datasets', version.id, 'data.yaml');
    expect(seen).toEqual([`epoch 0 of ${yaml}`, `epoch 1 of ${yaml}`]);
    const log = await store.readLog(task.id);
    expect(log).toContain(`data ${yaml} true`);
    expect(log).toContain('artifacts not written by the program: missing.pt');
    const done = await store.get(task.id);
    expect(done.dataset).toEqual({ uri: `hpo://${version.id}`, id: version.id, contentHash: version.contentHash });
    expect(Object.keys(done.artifacts).sort()).toEqual(['best.pt', 'last.pt']);
    expect(done.artifacts['best.pt']).toMatchObject({ store: folder.spec, key: `tasks/${task.id}/best.pt`, size: `best of ${yaml}`.length });
    expect((await readTaskArtifact(store, stores, task.id, 'best.pt')).toString()).toBe(`best of ${yaml}`);
    await expect(readTaskArtifact(store, stores, task.id, 'missing.pt')).rejects.toMatchObject({ code: 'ARTIFACT_NOT_FOUND' });
  });
});

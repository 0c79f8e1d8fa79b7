import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileTaskStore } from '../../src/store/index.ts';
import { ROOT } from '../helpers/temp.ts';

/** The build's bundled trial child (scripts/bundle-child.mjs), which `npm test` builds first. */
describe('the bundled trial child', () => {
  let dir: string | undefined;
  let copy: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    if (copy) await rm(copy, { recursive: true, force: true });
  });

  it('holds every module a bundled chunk starts beside itself (worker-thread entries such as the batch thread)', async () => {
    const bundleDir = path.join(ROOT, 'dist/child');
    const started: string[] = [];
    for (const file of (await readdir(bundleDir)).filter((f) => f.endsWith('.js'))) {
      const code = await readFile(path.join(bundleDir, file), 'utf8');
      for (const m of code.matchAll(/siblingModule\(import\.meta\.url, "\.\/([^"]+)\.ts"\)/g)) started.push(`${m[1]}.js`);
    }
    expect(started).toContain('batch-thread-main.js');
    for (const name of started) expect(existsSync(path.join(bundleDir, name)), `dist/child/${name}`).toBe(true);
  });

  it('is what the build forks, runs a trial to completion and records the package versions it bundles', async () => {
    const bundle = path.join(ROOT, 'dist/child/child-main.js');
    const { CHILD_ENTRY } = (await import(path.join(ROOT, 'dist/src/worker/index.js'))) as { CHILD_ENTRY: string };
    expect(CHILD_ENTRY).toBe(bundle);

    // A copy beside the original (its chunks import ../src/core/errors.js) whose list names a zod
    // version no node_modules holds: the record must come from the bundle's own list.
    copy = path.join(ROOT, 'dist', `child-test-${process.pid}`);
    await cp(path.dirname(bundle), copy, { recursive: true });
    await writeFile(path.join(copy, 'bundled-packages.json'), JSON.stringify({ zod: '0.0.0-bundled' }));

    dir = await mkdtemp(path.join(tmpdir(), 'hpo-child-bundle-'));
    const store = new FileTaskStore({ root: dir });
    const task = await store.create({
      name: 'bundled', project: 'test', type: 'training', status: 'queued',
      trainer: { type: 'function', objective: 'learning-curve', epochMs: 0 }, params: { 'hyp/lr0': 0.01, 'args/epochs': 3 },
    });
    const child = fork(path.join(copy, 'child-main.js'), [dir, task.id], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    expect(code, output).toBe(0);

    const done = await store.get(task.id);
    expect(done.status, output).toBe('completed');
    expect(Object.keys(await store.getScalars(task.id)).length).toBeGreaterThan(0);
    expect(done.environment?.packages.zod).toBe('0.0.0-bundled');
    expect(done.environment?.packages['@tensorflow/tfjs-core']).toMatch(/^\d+\.\d+\.\d+/); // not bundled: from node_modules
    expect(done.environment?.git?.commit).toMatch(/^[0-9a-f]{40}$/);
  });
});

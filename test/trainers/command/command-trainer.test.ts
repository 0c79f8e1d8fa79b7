import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileTaskStore } from '../../../src/store/index.ts';
import { createTaskRunner } from '../../../src/worker/run-task.ts';
import { tempDir } from '../../helpers/temp.ts';

/** A stand-in for Ultralytics train.py: reads its flags and hyp.yaml, reports per epoch. */
const FAKE_TRAIN = `
const args = process.argv.slice(2);
const flag = (n) => args[args.indexOf('--' + n) + 1];
const hyp = Object.fromEntries(require('fs').readFileSync(flag('hyp'), 'utf8').trim().split('\\n').map((l) => l.split(': ')));
const epochs = Number(flag('epochs'));
console.log('argv ' + JSON.stringify(args.filter((a) => !a.endsWith('hyp.yaml'))));
for (let e = 0; e < epochs; e++) {
  console.log('hpo:report ' + JSON.stringify({ step: e, scalars: { 'metrics/mAP_0.5:0.95': Number(hyp.lr0) * (e + 1) } }));
}
if (args.includes('--fail')) process.exit(2);
`;

describe('command trainer', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  async function run(params: Record<string, number | string | boolean>) {
    await writeFile(path.join(dir, 'train.cjs'), FAKE_TRAIN);
    const store = new FileTaskStore({ root: path.join(dir, '.hpo') });
    const task = await store.create({
      name: 'external',
      project: 'test',
      type: 'training',
      status: 'queued',
      trainer: { type: 'command', command: process.execPath, args: [path.join(dir, 'train.cjs')] },
      params,
    });
    const outcome = await createTaskRunner(store, { workRoot: path.join(dir, 'work') })(task.id, { signal: new AbortController().signal });
    return { store, task, outcome };
  }

  it('passes args as flags and hyps through hyp.yaml, without a shell, and records its reports', async () => {
    const { store, task, outcome } = await run({ 'hyp/lr0': 0.5, 'args/epochs': 3, 'args/name': 'a b; rm -rf /', 'args/cos_lr': true });
    expect(outcome).toEqual({ status: 'completed', ending: { kind: 'completed', reason: 'completed' } });
    const log = await store.readLog(task.id);
    // The value with spaces and a semicolon arrives as one argument: no shell saw it.
    expect(log).toContain('argv ["--epochs","3","--name","a b; rm -rf /","--cos_lr","--hyp"]');
    expect((await store.getScalars(task.id))['metrics/mAP_0.5:0.95']).toEqual([
      { step: 0, value: 0.5 },
      { step: 1, value: 1 },
      { step: 2, value: 1.5 },
    ]);
  });

  it('fails the task when the program exits non-zero', async () => {
    const { outcome } = await run({ 'hyp/lr0': 0.1, 'args/epochs': 1, 'args/fail': true });
    expect(outcome.status).toBe('failed');
    expect(outcome.reason).toMatch(/exited with 2 after epoch 0; see the task's log$/);
  });
});

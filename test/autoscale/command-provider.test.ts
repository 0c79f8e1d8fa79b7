import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandProvider, fill, valuesAt } from '../../src/autoscale/providers/command.ts';
import { tempDir } from '../helpers/temp.ts';

const FAKE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/fake-cloud.mjs');

describe('the command provider, through a stand-in cloud CLI', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let state: string;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    state = path.join(dir, 'cloud.json');
  });
  afterEach(async () => {
    delete process.env.FAKE_CLOUD_FAIL;
    await cleanup();
  });

  const provider = (over: { startArgv?: string[] } = {}) =>
    new CommandProvider({
      start: { argv: over.startArgv ?? [process.execPath, FAKE, state, 'run-instances', '--name', '{name}', '--user-data', 'hpo agent --name {name} --queue {queues}'], idPath: 'Instances.0.InstanceId' },
      stop: { argv: [process.execPath, FAKE, state, 'terminate-instances', '--instance-ids', '{id}'] },
      list: { argv: [process.execPath, FAKE, state, 'describe-instances'], itemsPath: 'Reservations.*.Instances', idPath: 'InstanceId', namePath: 'Tags.Name', startedAtPath: 'LaunchTime' },
      namePrefix: 'hpo-gpu-',
      queues: ['gpu', 'services'],
      timeoutMs: 30_000,
    });
  const argvLog = async () => (await readFile(`${state}.argv.jsonl`, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as string[]);

  it('starts, lists and stops instances with the expected argv, and lists only ours', async () => {
    const p = provider();
    const a = await p.start('hpo-gpu-aaaaaa');
    const b = await p.start('hpo-gpu-bbbbbb');
    expect([a.id, b.id]).toEqual(['i-0001', 'i-0002']);
    expect(await p.list()).toEqual([
      { id: 'i-0001', name: 'hpo-gpu-aaaaaa', startedAt: 1_700_000_000_000 },
      { id: 'i-0002', name: 'hpo-gpu-bbbbbb', startedAt: 1_700_000_000_000 },
    ]);
    await p.stop({ id: 'i-0001', name: 'hpo-gpu-aaaaaa' }, { force: false });
    expect((await p.list()).map((i) => i.id)).toEqual(['i-0002']);
    expect(await argvLog()).toEqual([
      ['run-instances', '--name', 'hpo-gpu-aaaaaa', '--user-data', 'hpo agent --name hpo-gpu-aaaaaa --queue gpu,services'],
      ['run-instances', '--name', 'hpo-gpu-bbbbbb', '--user-data', 'hpo agent --name hpo-gpu-bbbbbb --queue gpu,services'],
      ['describe-instances'],
      ['terminate-instances', '--instance-ids', 'i-0001'],
      ['describe-instances'],
    ]);
  });

  it('passes values as single arguments, never through a shell', async () => {
    const p = provider();
    await p.start('hpo-gpu-$(touch pwned);x');
    expect((await argvLog())[0][2]).toBe('hpo-gpu-$(touch pwned);x');
    await expect(readFile(path.join(dir, 'pwned'))).rejects.toThrow();
  });

  it('explains a failing command, output without JSON, a missing id and an unknown placeholder', async () => {
    process.env.FAKE_CLOUD_FAIL = 'run-instances';
    await expect(provider().start('hpo-gpu-x')).rejects.toThrow(/start command \[.*"run-instances".*\] failed \(3\): fake-cloud: run-instances refused: quota exceeded/);
    delete process.env.FAKE_CLOUD_FAIL;
    await expect(provider({ startArgv: [process.execPath, FAKE, state, 'bogus'] }).start('hpo-gpu-x')).rejects.toThrow(/printed no JSON \(got "not json"\)/);
    await expect(provider({ startArgv: [process.execPath, FAKE, state, 'terminate-instances', '--instance-ids', 'none'] }).start('hpo-gpu-x')).rejects.toThrow(
      /no instance id at "Instances.0.InstanceId" \(got \{\}\)/,
    );
    expect(() => fill(['--zone', '{zone}'], { name: 'n' })).toThrow(/unknown placeholder \{zone\} in "\{zone\}"; known: \{name\}/);
  });

  it('reads values at dotted paths, * flattening arrays', () => {
    const doc = { R: [{ I: [{ id: 1 }, { id: 2 }] }, { I: [{ id: 3 }] }] };
    expect(valuesAt(doc, 'R.*.I').map((x) => (x as { id: number }).id)).toEqual([1, 2, 3]);
    expect(valuesAt([{ id: 'a' }], '')).toEqual([{ id: 'a' }]);
    expect(valuesAt(doc, 'missing')).toEqual([]);
  });
});

import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.ts';
import { hpo } from './helpers.ts';

/**
 * Findings: `hyp/*` values went into hyp.yaml unquoted (a newline in a value added keys), and
 * scratch folders sat under a shared, predictable `<tmp>/hpo-work/<id>` and were never removed.
 * A real external trainer (a node script) prints what it was given.
 */
const SCRIPT = `
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
const file = process.argv[process.argv.indexOf('--hyp') + 1];
console.log('WORKDIR ' + path.dirname(file));
console.log('MODE ' + (statSync(path.dirname(file)).mode & 0o777).toString(8));
console.log('HYP ' + JSON.stringify(readFileSync(file, 'utf8')));
if (process.env.FAIL_TRIAL) process.exit(3);
console.log('hpo:report {"step":0,"scalars":{"metrics/mAP_0.5:0.95":0.5}}');
`;

describe('the command trainer', { timeout: 300_000 }, () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    env = { ...process.env, HPO_HOME: path.join(dir, '.hpo') };
    writeFileSync(path.join(dir, 'trainer.mjs'), SCRIPT);
    const template = {
      name: 'external',
      project: 'test',
      trainer: { type: 'command', command: process.execPath, args: [path.join(dir, 'trainer.mjs')] },
      params: { 'hyp/lr0': 0.01, 'hyp/note': 'a\nlr0: 99', 'hyp/colon': 'x: y' },
    };
    writeFileSync(path.join(dir, 'template.ts'), `export default ${JSON.stringify(template)};\n`);
  });
  afterEach(() => cleanup());

  const train = async (extra: string[] = [], extraEnv: NodeJS.ProcessEnv = {}) => {
    const run = await hpo([...extra, 'train', 'template.ts'], { cwd: dir, env: { ...env, ...extraEnv } });
    const id = /^task (\S+):/m.exec(run.stderr)?.[1];
    expect(id, run.stderr).toBeDefined();
    const show = await hpo(['tasks', 'show', id!, '--json'], { cwd: dir, env });
    const log = (JSON.parse(show.stdout) as { log: string }).log;
    const field = (name: string) => new RegExp(`^${name} (.*)$`, 'm').exec(log)?.[1];
    return { run, log, workDir: field('WORKDIR')!, mode: field('MODE'), hyp: field('HYP') ? (JSON.parse(field('HYP')!) as string) : undefined };
  };

  it('writes hyp.yaml with the YAML library: a newline or a colon in a value adds no keys', async () => {
    const { run, hyp, log } = await train();
    expect(run.code, run.stderr + log).toBe(0);
    expect(parse(hyp!)).toEqual({ lr0: 0.01, note: 'a\nlr0: 99', colon: 'x: y' });
  });

  it('gives each trial a private scratch folder under the store, removed after the trial', async () => {
    const { run, workDir, mode, log } = await train();
    expect(run.code, run.stderr + log).toBe(0);
    expect(path.dirname(workDir)).toBe(path.join(dir, '.hpo', 'work'));
    expect(mode).toBe('700');
    expect(existsSync(workDir)).toBe(false);
  });

  it('keeps a failed trial\'s scratch folder with --keep-workdir, and only then', async () => {
    const kept = await train(['--keep-workdir'], { FAIL_TRIAL: '1' });
    expect(kept.run.code).toBe(1);
    expect(existsSync(kept.workDir)).toBe(true);
    expect(kept.log).toContain(`work folder kept for inspection: ${kept.workDir}`);
    const removed = await train([], { FAIL_TRIAL: '1' });
    expect(removed.run.code).toBe(1);
    expect(existsSync(removed.workDir)).toBe(false);
  });
});

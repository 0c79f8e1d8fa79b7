import { execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { tempDir, writeConfig, writeTemplate } from '../helpers/temp.ts';
import { errorLines, finish, hpo, start, until } from './helpers.ts';

/**
 * Findings: a read-only store and a full disk ended in exit 70 "internal error, please report"
 * with a stack. Now: one line naming the path and the fix, exit 1, and the study resumes once
 * the operator fixed it. Real processes: an unprivileged user (root ignores file modes) and a
 * 1 MiB tmpfs filled to the brim.
 */
describe('store faults are the operator\'s, explained, and lose nothing', { timeout: 300_000 }, () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let mounted: string | undefined;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    chmodSync(dir, 0o755); // the unprivileged user reads the config and template
    await writeTemplate(dir, { trainer: { epochMs: 100 }, params: { 'args/epochs': 6 } });
    await writeConfig(dir, { space: { 'hyp/lr0': { type: 'float', low: 1e-4, high: 0.1, log: true } }, budget: { maxTrials: 3, concurrency: 1 } });
  });
  afterEach(async () => {
    if (mounted) execFileSync('umount', ['-l', mounted]);
    mounted = undefined;
    await cleanup();
  });

  /** A study killed -9 after its first trial completed: a resumable study. */
  const interruptedStudy = async (home: string): Promise<string> => {
    const env = { ...process.env, HPO_HOME: home };
    const template = (await hpo(['train', 'template.ts'], { cwd: dir, env })).stdout.trim();
    const study: ChildProcess = start(['run', '--template', template], { cwd: dir, env });
    const done = finish(study, 240_000).catch(() => undefined);
    const store = await openStore(home);
    let controllerId = '';
    await until('the first trial to complete', async () => {
      const controller = (await store.list({ type: 'controller' }))[0];
      if (!controller) return false;
      controllerId = controller.id;
      return (await store.list({ parent: controller.id, status: 'completed' })).length >= 1;
    });
    // Killed: its lease names a dead process, so every resume below takes it over with --force.
    study.kill('SIGKILL');
    await done;
    return controllerId;
  };
  const completedTrials = async (home: string, controllerId: string) => (await (await openStore(home)).list({ parent: controllerId, status: 'completed' })).length;

  it('a read-only store: one line with the path and the fix, exit 1; the study resumes afterwards', async () => {
    const home = path.join(dir, '.hpo');
    const controllerId = await interruptedStudy(home);
    chmodSync(home, 0o755);
    const denied = await hpo(['run', '--resume', controllerId, '--force'], { cwd: dir, env: { ...process.env, HPO_HOME: home }, asUser: 'nobody' });
    expect(denied.code, denied.stderr).toBe(1);
    expect(errorLines(denied.stderr)).toEqual([expect.stringMatching(new RegExp(`^hpo: Cannot write the task store at ${home}/\\S+: permission denied \\(EACCES\\)\\. Fix: `))]);
    expect(denied.stderr).not.toMatch(/internal error|\n\s+at /);

    const resumed = await hpo(['run', '--resume', controllerId, '--force'], { cwd: dir, env: { ...process.env, HPO_HOME: home } });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await completedTrials(home, controllerId)).toBe(3);
  });

  it('a full disk: one line with the path and the fix, exit 1; the study resumes once there is room', async () => {
    const disk = path.join(dir, 'disk');
    mkdirSync(disk);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', disk]);
    mounted = disk;
    const home = path.join(disk, '.hpo');
    const controllerId = await interruptedStudy(home);
    const filler = path.join(disk, 'filler');
    expect(() => writeFileSync(filler, Buffer.alloc(2 * 1024 * 1024))).toThrow(/ENOSPC/);

    const full = await hpo(['run', '--resume', controllerId, '--force'], { cwd: dir, env: { ...process.env, HPO_HOME: home } });
    expect(full.code, full.stderr).toBe(1);
    expect(errorLines(full.stderr)).toEqual([expect.stringMatching(new RegExp(`^hpo: Cannot write the task store at ${home}(/\\S+)?: no space left on the device \\(ENOSPC\\)\\. Fix: `))]);
    expect(full.stderr).not.toMatch(/internal error|\n\s+at /);

    rmSync(filler);
    const resumed = await hpo(['run', '--resume', controllerId, '--force'], { cwd: dir, env: { ...process.env, HPO_HOME: home } });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await completedTrials(home, controllerId)).toBe(3);
  });

  it('an artifact store that cannot be written interrupts the first trial and the study (no trial after trial), and loses nothing', async () => {
    // A trial whose checkpoint upload fails is the operator's fault: not a failed trial that uses
    // up the budget, and not a loop of trials that each meet the same fault.
    await writeTemplate(dir, { trainer: { epochMs: 50, checkpointBytes: 1024 }, params: { 'args/epochs': 3 } });
    const artifacts = path.join(dir, 'artifacts');
    mkdirSync(artifacts);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', artifacts]);
    mounted = artifacts;
    const home = path.join(dir, '.hpo');
    const env = { ...process.env, HPO_HOME: home, HPO_ARTIFACTS: artifacts };
    const template = (await hpo(['train', 'template.ts'], { cwd: dir, env: { ...process.env, HPO_HOME: home } })).stdout.trim();
    const study = await hpo(['run', '--template', template], { cwd: dir, env });
    expect(study.code, study.stderr).toBe(130);
    expect(study.stderr).toMatch(/could not write a store: Cannot write the artifact store at \S+: the file system is read-only \(EROFS\)/);
    expect(study.stderr).not.toMatch(/internal error|\n\s+at /);
    const store = await openStore(home);
    const controllerId = (await store.list({ type: 'controller' }))[0]!.id;
    const trials = await store.list({ parent: controllerId });
    expect(trials.map((t) => [t.status, t.ending?.kind, t.error?.code])).toEqual([['stopped', 'interrupted', 'STORE_FAULT']]);

    execFileSync('mount', ['-o', 'remount,rw', artifacts]);
    const resumed = await hpo(['run', '--resume', controllerId], { cwd: dir, env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await completedTrials(home, controllerId)).toBe(3);
  });
});

import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureEnvironment } from '../../src/worker/environment.ts';
import { repoRoot, tempDir } from '../store/helpers.ts';

const version = (pkg: string) => (JSON.parse(readFileSync(join(repoRoot, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;

describe('captureEnvironment', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('records node, key package versions, host and CPU', async () => {
    const env = await captureEnvironment(repoRoot);
    expect(env.node).toBe(process.version);
    expect(env.packages).toMatchObject({ zod: version('zod'), bullmq: version('bullmq'), ioredis: version('ioredis'), '@tensorflow/tfjs-core': version('@tensorflow/tfjs-core') });
    expect(env.packages.hpo).toBe(JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version);
    expect(env.platform).toBe(`${process.platform}-${process.arch}`);
    expect(env.cpus.count).toBeGreaterThan(0);
    expect(env.host.length).toBeGreaterThan(0);
  });

  it('records commit, dirty flag and diff of a git checkout; nothing outside one', async () => {
    const repo = tempDir('hpo-env-git-');
    dirs.push(repo);
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, encoding: 'utf8' });
    git('init', '-q');
    writeFileSync(join(repo, 'train.py'), 'lr = 0.01\n');
    git('add', 'train.py');
    git('commit', '-q', '-m', 'first');
    const head = git('rev-parse', 'HEAD').trim();
    writeFileSync(join(repo, 'untracked.txt'), 'not part of the diff');
    const clean = await captureEnvironment(repo);
    expect(clean.git).toEqual({ commit: head, dirty: false });

    writeFileSync(join(repo, 'train.py'), 'lr = 0.02\n');
    const sub = join(repo, '.'); // a different cache key, same checkout
    const dirty = await captureEnvironment(`${sub}/`);
    expect(dirty.git).toMatchObject({ commit: head, dirty: true });
    expect(dirty.git!.diff).toContain('+lr = 0.02');

    const outside = tempDir('hpo-env-nogit-');
    dirs.push(outside);
    expect((await captureEnvironment(outside)).git).toBeUndefined();

    // A repository without a commit has nothing to reproduce from.
    const fresh = tempDir('hpo-env-nocommit-');
    dirs.push(fresh);
    execFileSync('git', ['init', '-q'], { cwd: fresh });
    writeFileSync(join(fresh, 'train.py'), 'lr = 0.01\n');
    execFileSync('git', ['add', 'train.py'], { cwd: fresh });
    expect((await captureEnvironment(fresh)).git).toBeUndefined();
  });

  it('caps a huge diff', async () => {
    const repo = tempDir('hpo-env-big-');
    dirs.push(repo);
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, encoding: 'utf8' });
    git('init', '-q');
    writeFileSync(join(repo, 'data.txt'), 'a\n');
    git('add', 'data.txt');
    git('commit', '-q', '-m', 'first');
    writeFileSync(join(repo, 'data.txt'), 'x'.repeat(100).concat('\n').repeat(5000));
    const env = await captureEnvironment(repo);
    expect(env.git!.dirty).toBe(true);
    expect(env.git!.diff!.length).toBeLessThan(210 * 1024);
    expect(env.git!.diff).toContain('diff truncated at 204800 bytes');
  });

  it('caches per folder and hands out copies', async () => {
    const a = await captureEnvironment(repoRoot);
    a.packages.zod = 'changed';
    const b = await captureEnvironment(repoRoot);
    expect(b.packages.zod).toBe(version('zod'));
  });
});

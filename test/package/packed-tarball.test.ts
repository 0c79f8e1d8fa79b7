import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/temp.ts';

const run = promisify(execFile);

/**
 * The package as a user gets it: `npm pack` of this checkout (built by `npm test` first),
 * installed into a fresh project, imported from plain Node 20 (no tsx, no loader) and
 * type-checked by tsc there.
 */
describe('the packed npm package', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('installs from its tarball, runs a study from plain Node and type-checks a config', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hpo-pack-'));
    // The build is npm test's first step; --ignore-scripts keeps pack from building again.
    await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT });
    const tarball = (await readdir(dir)).find((f) => f.endsWith('.tgz'));
    expect(tarball).toMatch(/^hpo-\d+\.\d+\.\d+\.tgz$/);

    const app = path.join(dir, 'app');
    await run('mkdir', ['-p', app]);
    await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    // Optional deps (tfjs-node-gpu) would try a download this machine cannot make; the cache
    // filled by `npm ci` serves the rest.
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--omit=optional', path.join(dir, tarball!)], {
      cwd: app,
      maxBuffer: 1 << 24,
    });

    await writeFile(
      path.join(app, 'study.mjs'),
      `import { optimize, defineConfig, float } from 'hpo';
const config = defineConfig({ space: { x: float(-2, 2) } });
const { best, trials } = await optimize({
  space: config.space, direction: 'minimize', strategy: { type: 'tpe' }, trials: 5,
  objective: (p) => p.x ** 2,
});
process.stdout.write(JSON.stringify({ trials: trials.length, best: best.value, x: best.params.x }));
`,
    );
    const { stdout } = await run(process.execPath, ['study.mjs'], { cwd: app });
    const result = JSON.parse(stdout) as { trials: number; best: number; x: number };
    expect(result.trials).toBe(5);
    expect(result.best).toBeCloseTo(result.x ** 2, 12);

    await writeFile(
      path.join(app, 'hpo.config.ts'),
      `import { defineConfig, float, int } from 'hpo';
export default defineConfig({
  space: { 'hyp/lr0': float(1e-4, 1e-1, { log: true }), 'args/batch': int(8, 64) },
  objective: { metric: 'metrics/mAP_0.5:0.95', direction: 'maximize' },
});
`,
    );
    await writeFile(
      path.join(app, 'bad.config.ts'),
      `import { defineConfig, float } from 'hpo';
export default defineConfig({ space: { 'hyp/lr0': float(1e-4, 1e-1, { log: 'yes' }) } });
`,
    );
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const flags = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck'];
    // One tsc run for both files (a tsc start costs seconds): the config type-checks, so every
    // error is in bad.config.ts, and the types are real: a wrong option type is a compile error.
    const output = await run(process.execPath, [tsc, ...flags, 'hpo.config.ts', 'bad.config.ts'], { cwd: app }).then(
      () => '',
      (error: { stdout: string }) => error.stdout,
    );
    expect(output).toMatch(/bad\.config\.ts\(2,\d+\): error TS2322/);
    const errors = output.split('\n').filter((line) => /error TS\d+/.test(line));
    expect(errors.filter((line) => !line.startsWith('bad.config.ts(')), output).toEqual([]);
  }, 240_000);
});

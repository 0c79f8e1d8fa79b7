/**
 * Build step: bundles a local trial's child process (dist/src/worker/child-main.js and what it
 * loads, the trainers as lazy chunks) into dist/child/, the entry `hpo` forks (src/worker/index.ts
 * CHILD_ENTRY). Node's ESM loader reads, resolves and links every module file with several
 * asynchronous file-system round trips each; a YOLOv5 trial loaded about 330 of them (dist/ plus
 * zod's and yaml's files) before its first step. Bundled, the trial reached its first step with
 * 0.5 s less CPU time (2.2 s instead of 2.8 on a loaded 2-core box, npm run bench:trial-startup).
 * The pure-JS packages below are bundled; the rest (native addons, TF.js with its gradient bundle
 * and .wasm files, the lazily loaded Redis and S3 clients) stay ordinary imports. core/errors.js
 * stays the one shared module, so an error class is the same class for the bundle and for user code
 * that imports 'hpo' in the same process.
 * The versions bundled go to dist/child/bundled-packages.json, which the environment record reads.
 */
import { build } from 'esbuild';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/child`;
const BUNDLED = ['zod', 'yaml', 'cli-progress', 'seedrandom'];
const SHARED = /[\\/]dist[\\/]src[\\/]core[\\/]errors\.js$/;

const packageName = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

await rm(outdir, { recursive: true, force: true });
await build({
  // Worker-thread entries a bundled module starts by siblingModule() must sit beside its chunks.
  entryPoints: [
    { in: `${root}dist/src/worker/child-main.js`, out: 'child-main' },
    { in: `${root}dist/src/trainers/yolov5/data/batch-thread-main.js`, out: 'batch-thread-main' },
    { in: `${root}dist/src/trainers/yolov5/train/replica-main.js`, out: 'replica-main' },
  ],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir,
  logLevel: 'warning',
  legalComments: 'inline',
  // Bundled CommonJS packages require() Node's built-ins; ESM has no `require` of its own.
  banner: { js: "import { createRequire as __hpoCreateRequire } from 'node:module'; const require = __hpoCreateRequire(import.meta.url);" },
  plugins: [
    {
      name: 'hpo-child-externals',
      setup(b) {
        // A package's own imports (inside node_modules) follow its bundling; ours are listed.
        b.onResolve({ filter: /^[^./]/ }, (args) =>
          args.path.startsWith('node:') || args.importer.includes('node_modules') || BUNDLED.includes(packageName(args.path)) ? undefined : { path: args.path, external: true },
        );
        b.onResolve({ filter: /^\.\.?\/.*errors\.js$/ }, (args) =>
          SHARED.test(resolve(args.resolveDir, args.path)) ? { path: '../src/core/errors.js', external: true } : undefined,
        );
      },
    },
  ],
});

const require = createRequire(`${root}package.json`);
const versions = {};
for (const name of BUNDLED) versions[name] = JSON.parse(await readFile(require.resolve(`${name}/package.json`), 'utf8')).version;
await writeFile(`${outdir}/bundled-packages.json`, JSON.stringify(versions, null, 2) + '\n');

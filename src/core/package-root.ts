import { readFileSync } from 'node:fs';
import { dirname, join, parse } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

let root: string | undefined | null = null;

/**
 * The folder of hpo's own package.json, found by walking up from this module: the same answer
 * from the sources (src/core/) and from the build (dist/src/core/). Undefined when hpo runs
 * without its manifest (bundled).
 */
export function packageRoot(): string | undefined {
  if (root !== null) return root;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (manifest.name === 'hpo') return (root = dir);
    } catch {
      // No manifest here; go up.
    }
    if (dir === parse(dir).root) return (root = undefined);
  }
}

/** hpo's version from its manifest ('unknown' without one). */
export function packageVersion(): string {
  const dir = packageRoot();
  if (!dir) return 'unknown';
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * The path of a module next to `fromUrl` (an `import.meta.url`), with the caller's own
 * extension: `.ts` when running from the sources, `.js` from the build. A child process started
 * on a `.ts` entry needs tsx's loader; a `.js` one runs on plain Node.
 */
export function siblingModule(fromUrl: string, relative: string): string {
  const ext = fromUrl.endsWith('.ts') ? '.ts' : '.js';
  return fileURLToPath(new URL(relative.replace(/\.ts$/, ext), fromUrl));
}

/**
 * `new Worker(...workerEntry(entry))` arguments for a module from {@link siblingModule}: a built
 * .js entry runs as it is; a .ts entry (tests and benches run the sources) needs tsx registered in
 * the worker first, because Node 20 workers ignore an `--import` loader in their execArgv.
 */
export function workerEntry(entry: string): [string, { eval?: boolean }] {
  if (!entry.endsWith('.ts')) return [entry, {}];
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const url = JSON.stringify(pathToFileURL(entry).href);
  return [`import(${api}).then(({ register }) => { register(); return import(${url}); })`, { eval: true }];
}

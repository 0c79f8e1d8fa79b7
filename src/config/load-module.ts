import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../core/index.ts';

/**
 * Imports a `.ts`/`.mts`/`.js`/`.mjs` file without a build step (tsx's tsImport) and returns
 * its default export. `what` names the file's role in error messages.
 */
export async function loadDefaultExport(file: string, what: string): Promise<unknown> {
  const absolute = path.resolve(file);
  if (!existsSync(absolute)) {
    throw new ConfigError(`${what} not found: ${absolute}. Check the path (it is resolved from ${process.cwd()}).`);
  }
  let mod: { default?: unknown };
  try {
    const { tsImport } = await import('tsx/esm/api');
    mod = (await tsImport(pathToFileURL(absolute).href, import.meta.url)) as { default?: unknown };
  } catch (error) {
    throw new ConfigError(`${what} ${absolute} failed to load: ${(error as Error).message}`, { cause: error });
  }
  // Outside an ESM package tsx compiles to CommonJS: then `mod.default` is `module.exports`,
  // which holds the real default export (or, with only named exports, just those).
  let value = mod.default;
  const named = Object.keys(mod).filter((k) => k !== 'default');
  if (isObject(value) && 'default' in value) value = value.default;
  else if (isObject(value) && named.length > 0 && named.every((k) => k in (value as object))) value = undefined;
  if (value === undefined) {
    throw new ConfigError(`${what} ${absolute} has no default export. Add \`export default ${what === 'template' ? 'defineTemplate' : 'defineConfig'}({ ... })\`.`);
  }
  return value;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

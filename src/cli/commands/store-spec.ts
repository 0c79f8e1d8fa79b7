import path from 'node:path';
import type { GlobalOptions } from '../context.ts';

/** The task store's spec as `openCliStore` resolves it (an absolute path or a URL), without opening it. */
export function resolveStoreSpec(globals: GlobalOptions): string {
  const raw = globals.store ?? process.env.HPO_HOME ?? '.hpo';
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : path.resolve(raw);
}

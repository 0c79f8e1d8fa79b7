import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, type Clock, type TaskStore } from '../core/index.ts';
import { FileTaskStore } from './file-store.ts';
import { redactUrl } from './url.ts';
import { withFsFaults } from './fs-faults.ts';

export interface OpenStoreOptions {
  /** Resolves relative paths and the default `.hpo/`. Default: process.cwd(). */
  cwd?: string;
  clock?: Clock;
  /** Environment to read HPO_HOME from. Default: process.env. */
  env?: Record<string, string | undefined>;
  /** Told about risks the operator should fix (a Redis without persistence). Default: silent. */
  onWarning?: (message: string) => void;
}

/**
 * Opens the task store named by `spec` (a `--store` flag or config value): undefined ->
 * `$HPO_HOME`, else `<cwd>/.hpo`; a path or `file://` URL -> the file store there;
 * `redis://` / `rediss://` -> the Redis store (key prefix from HPO_REDIS_PREFIX, default `hpo:`).
 * Each backend is one case of the switch below.
 */
export async function openStore(spec?: string, options: OpenStoreOptions = {}): Promise<TaskStore> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const target = spec ?? env.HPO_HOME ?? resolve(cwd, '.hpo');
  if (target.trim() === '') {
    throw new ConfigError('Invalid store "": give a folder path (e.g. ".hpo") or a redis:// URL, or leave --store out for .hpo/.');
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(target)?.[1]?.toLowerCase();
  switch (scheme) {
    case undefined:
      return fileStore(resolve(cwd, target), options);
    case 'file':
      return fileStore(fileURLToPath(target), options);
    case 'redis':
    case 'rediss':
      // Lazy: only Redis users load ioredis.
      return (await import('./redis/redis-store.ts')).openRedisStore(target, { prefix: env.HPO_REDIS_PREFIX, clock: options.clock, onWarning: options.onWarning });
    default:
      throw new ConfigError(
        `Unknown store "${redactUrl(target)}": scheme "${scheme}://" is not supported. ` +
          'Use a folder path (default .hpo/), file://PATH, or redis://HOST:PORT.',
      );
  }
}

function fileStore(root: string, options: OpenStoreOptions): TaskStore {
  return withFsFaults(new FileTaskStore({ root, clock: options.clock }), root);
}

import path from 'node:path';
import { z } from 'zod';
import type { TaskStore } from '../core/index.ts';
import type { ArtifactStores } from '../artifacts/index.ts';
import { parseOrThrow } from '../core/parse-input.ts';
import { openStore } from '../store/index.ts';
import { track } from './resources.ts';

export interface GlobalOptions {
  store?: string;
  /** `--artifacts`: wins over HPO_ARTIFACTS and the config's `artifacts:`. */
  artifacts?: string;
  logFormat?: string;
}

/**
 * Opens the store named by `--store` (or HPO_HOME, or .hpo/) and returns the spec a child
 * process needs to open the same store: an absolute path or a URL.
 */
export async function openCliStore(globals: GlobalOptions): Promise<{ store: TaskStore; storeSpec: string }> {
  const storeSpec = resolveStoreSpec(globals);
  if (/^rediss?:\/\//i.test(storeSpec)) {
    // Outage lines (Redis unreachable / reachable again) in this command's log format.
    (await import('../store/redis/outage.ts')).setRedisLog((message) => logLine(globals, 'warn', message));
  }
  // Closed by the CLI entry on every exit path (a Redis connection would keep the process alive).
  return { store: track(await openStore(storeSpec, { onWarning: (message) => logLine(globals, 'warn', message) })), storeSpec };
}

/** The task store's spec as `openCliStore` resolves it (an absolute path or a URL), without opening it. */
export function resolveStoreSpec(globals: GlobalOptions): string {
  const raw = globals.store ?? process.env.HPO_HOME ?? '.hpo';
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : path.resolve(raw);
}

const openArtifacts = new Map<string, Promise<ArtifactStores>>();

/**
 * Opens this command's artifact store: `--artifacts`, else HPO_ARTIFACTS, else the config's
 * `artifacts:` (commands that load a config pass it), else the default beside the task store.
 * Exports the choice as HPO_ARTIFACTS, so local trial processes and agents it starts write to
 * the same store. Opened once per spec; the CLI entry closes it on every exit path.
 */
export async function openCliArtifacts(globals: GlobalOptions, storeSpec: string, config?: string): Promise<ArtifactStores> {
  const { ARTIFACTS_ENV, openArtifactStores, resolveArtifactSpec } = await import('../artifacts/index.ts');
  const spec = resolveArtifactSpec({ flag: globals.artifacts, config, storeSpec });
  process.env[ARTIFACTS_ENV] = spec;
  if (/^rediss?:\/\//i.test(spec)) {
    (await import('../store/redis/outage.ts')).setRedisLog((message) => logLine(globals, 'warn', message));
  }
  let stores = openArtifacts.get(spec);
  if (!stores) {
    stores = openArtifactStores(spec).then((opened) => track(opened));
    openArtifacts.set(spec, stores);
    stores.catch(() => openArtifacts.delete(spec));
  }
  return stores;
}

const positiveInt = (flag: string) =>
  z.coerce
    .number({ message: `${flag} must be a number` })
    .int({ message: `${flag} must be an integer` })
    .min(1, { message: `${flag} must be >= 1` });

/** `hpo run` flags that override config values; validated before they reach the config. */
export const runFlagsSchema = z.looseObject({
  trials: positiveInt('--trials').optional(),
  concurrency: positiveInt('--concurrency').optional(),
  seed: z.coerce.number({ message: '--seed must be a number' }).int({ message: '--seed must be an integer' }).optional(),
});

export function parseRunFlags(options: Record<string, unknown>): z.output<typeof runFlagsSchema> {
  return parseOrThrow(runFlagsSchema, options, 'flags');
}

/** Writes one log line to stderr (JSON lines with `--log-format json`). */
export function logLine(globals: GlobalOptions, level: 'info' | 'warn', message: string, fields: Record<string, unknown> = {}): void {
  if (globals.logFormat === 'json') process.stderr.write(JSON.stringify({ level, message, ...fields, time: new Date().toISOString() }) + '\n');
  else process.stderr.write(`${level === 'warn' ? 'warning: ' : ''}${message}\n`);
}


import path from 'node:path';
import { z } from 'zod';
import type { TaskStore } from '../core/index.ts';
import type { ArtifactStores } from '../artifacts/index.ts';
import { parseOrThrow } from '../core/parse-input.ts';
import { openStore } from '../store/index.ts';

export interface GlobalOptions {
  store?: string;
  /** `--artifacts`: also exported as HPO_ARTIFACTS so child processes use the same store. */
  artifacts?: string;
  logFormat?: string;
}

/**
 * Opens the store named by `--store` (or HPO_HOME, or .hpo/) and returns the spec a child
 * process needs to open the same store: an absolute path or a URL.
 */
export async function openCliStore(globals: GlobalOptions): Promise<{ store: TaskStore; storeSpec: string }> {
  const raw = globals.store ?? process.env.HPO_HOME ?? '.hpo';
  const storeSpec = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : path.resolve(raw);
  return { store: await openStore(storeSpec), storeSpec };
}

/**
 * Opens the artifact store for this command: `--artifacts`, HPO_ARTIFACTS, the config's
 * `artifacts:` (callers pass it), else beside the task store. Exports the choice as
 * HPO_ARTIFACTS, so local trial processes and spawned agents write to the same place.
 */
export async function openCliArtifacts(storeSpec: string, config?: string): Promise<ArtifactStores> {
  const { ArtifactStores, openArtifactStore, resolveArtifactSpec } = await import('../artifacts/index.ts');
  const raw = resolveArtifactSpec({ config, storeSpec });
  const spec = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : path.resolve(raw);
  process.env.HPO_ARTIFACTS = spec;
  return new ArtifactStores(await openArtifactStore(spec));
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


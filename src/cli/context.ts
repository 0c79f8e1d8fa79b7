import path from 'node:path';
import { z } from 'zod';
import type { TaskStore } from '../core/index.ts';
import { parseOrThrow } from '../core/parse-input.ts';
import { openStore } from '../store/index.ts';
import { track } from './resources.ts';

export interface GlobalOptions {
  store?: string;
  logFormat?: string;
}

/**
 * Opens the store named by `--store` (or HPO_HOME, or .hpo/) and returns the spec a child
 * process needs to open the same store: an absolute path or a URL.
 */
export async function openCliStore(globals: GlobalOptions): Promise<{ store: TaskStore; storeSpec: string }> {
  const raw = globals.store ?? process.env.HPO_HOME ?? '.hpo';
  const storeSpec = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : path.resolve(raw);
  if (/^rediss?:\/\//i.test(storeSpec)) {
    // Outage lines (Redis unreachable / reachable again) in this command's log format.
    (await import('../store/redis/outage.ts')).setRedisLog((message) => logLine(globals, 'warn', message));
  }
  // Closed by the CLI entry on every exit path (a Redis connection would keep the process alive).
  return { store: track(await openStore(storeSpec, { onWarning: (message) => logLine(globals, 'warn', message) })), storeSpec };
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


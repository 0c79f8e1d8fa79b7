import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../core/index.ts';
import { parseOrThrow } from '../core/parse-input.ts';
import { loadDefaultExport } from './load-module.ts';
import { configSchema, type StudyConfig } from './schema.ts';

/** Config files looked for in the working directory, in order (Vite's habit). */
export const CONFIG_FILES = ['hpo.config.ts', 'hpo.config.mts', 'hpo.config.js', 'hpo.config.mjs'];

export function findConfigFile(cwd: string): string | undefined {
  return CONFIG_FILES.map((f) => path.join(cwd, f)).find((f) => existsSync(f));
}

/**
 * Loads and validates the study config: the file (`--config`, else the first of CONFIG_FILES),
 * then `overrides` (from CLI flags) merged over it, then zod. Errors name the file and path.
 */
export async function loadConfig(options: { file?: string; cwd?: string; overrides?: Record<string, unknown> } = {}): Promise<{ config: StudyConfig; file: string }> {
  const cwd = options.cwd ?? process.cwd();
  const file = options.file ? path.resolve(cwd, options.file) : findConfigFile(cwd);
  if (!file) {
    throw new ConfigError(`No config file found in ${cwd} (looked for ${CONFIG_FILES.join(', ')}). Create hpo.config.ts or pass --config.`);
  }
  const raw = await loadDefaultExport(file, 'config');
  if (typeof raw !== 'object' || raw === null) throw new ConfigError(`config ${file} must export an object, got ${typeof raw}.`);
  return { config: resolveConfig(deepMerge(raw as Record<string, unknown>, options.overrides ?? {}), path.relative(cwd, file) || file), file };
}

/** Validates a config object (user config -> resolved config). */
export function resolveConfig(input: unknown, source = 'config'): StudyConfig {
  return parseOrThrow(configSchema, input, source);
}

/** Merges plain objects recursively; `undefined` in `over` leaves `base` alone. */
export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const prev = out[key];
    out[key] = isPlain(value) && isPlain(prev) ? deepMerge(prev, value) : value;
  }
  return out;
}

function isPlain(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && Object.getPrototypeOf(x) === Object.prototype;
}

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin/hpo.js');

/** A fresh temp folder, removed by the returned cleanup. */
export async function tempDir(prefix = 'hpo-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes a config file whose default export is `config` (plain data, no imports needed). */
export async function writeConfig(dir: string, config: unknown, name = 'hpo.config.ts'): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, `export default ${JSON.stringify(config, null, 2)};\n`);
  return file;
}

/** A function-trainer template file. */
export async function writeTemplate(dir: string, overrides: { params?: Record<string, unknown>; trainer?: Record<string, unknown> } = {}): Promise<string> {
  const file = path.join(dir, 'template.ts');
  const template = {
    name: 'curve',
    project: 'test',
    trainer: { type: 'function', objective: 'learning-curve', epochMs: 0, ...overrides.trainer },
    params: { 'hyp/lr0': 0.01, 'hyp/momentum': 0.937, 'args/epochs': 5, ...overrides.params },
  };
  await writeFile(file, `export default ${JSON.stringify(template, null, 2)};\n`);
  return file;
}

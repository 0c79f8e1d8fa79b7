import { readFile, writeFile } from 'node:fs/promises';
import { parse, stringify } from 'yaml';
import { HpoError, type Params } from '../../core/index.ts';

/**
 * Writes `hyp` to `file` as YAML, over the keys of `defaultsFile` when given (YOLOv5's train.py
 * reads every key of hyp.scratch-low.yaml and fails on a missing one). A defaults file that
 * cannot be read or is not a mapping is an error naming it.
 */
export async function writeHypFile(file: string, hyp: Params, defaultsFile?: string): Promise<Record<string, unknown>> {
  const defaults = defaultsFile ? await readDefaults(defaultsFile) : {};
  const merged = { ...defaults, ...hyp };
  await writeFile(file, stringify(merged));
  return merged;
}

async function readDefaults(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new HpoError('HYP_DEFAULTS_MISSING', `Cannot read the hyp defaults ${file}: ${(error as Error).message}. Check the trainer's hypDefaults (or args/yolov5_dir).`);
  }
  const value: unknown = parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HpoError('HYP_DEFAULTS_INVALID', `The hyp defaults ${file} is not a YAML mapping of name: value.`);
  }
  return value as Record<string, unknown>;
}

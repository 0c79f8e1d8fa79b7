import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { formatIssues } from '../../../core/parse-input.ts';
import { DatasetError } from './errors.ts';
import { parse as parseYaml, YAMLError } from 'yaml';

/** A resolved YOLOv5 dataset description: absolute paths, class count and names. */
export interface DatasetConfig {
  /** The yaml file it came from (absolute). */
  file: string;
  /** Dataset root (absolute). */
  path: string;
  /** Image folders or list files (absolute), at least one each. */
  train: string[];
  val: string[];
  nc: number;
  names: string[];
}

const missing = (what: string, example: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? `missing ${what}; add e.g. "${example}"` : undefined;

const splitSchema = (key: string, what: string) =>
  z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], {
    error: (issue) =>
      missing(what, `${key}: images/${key}`)(issue) ??
      `expected ${what}: a folder or list .txt path, or a list of them`,
  });

const namesSchema = z.union(
  [z.array(z.union([z.string(), z.number()]).transform(String)), z.record(z.string().regex(/^\d+$/), z.union([z.string(), z.number()]).transform(String))],
  { error: 'expected class names as a list ["cat", "dog"] or a map {0: cat, 1: dog}' },
);

const dataYamlSchema = z.looseObject({
  path: z.string({ error: 'expected the dataset root folder as a string' }).optional(),
  train: splitSchema('train', 'the training images'),
  val: splitSchema('val', 'the validation images'),
  nc: z.number({ error: 'expected the number of classes as a whole number >= 1' }).int().min(1).optional(),
  names: namesSchema.optional(),
});

/**
 * Reads a YOLOv5 data yaml (`path`, `train`, `val`, `nc`, `names` as a list or an index map).
 * `path` is resolved against the yaml's folder (default: that folder), `train`/`val` against
 * `path`. Throws DatasetError naming the file, the key and the fix when a key is missing or bad,
 * `nc` and `names` disagree, or a train/val folder does not exist.
 */
export function loadDatasetConfig(yamlPath: string): DatasetConfig {
  const file = resolve(yamlPath);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new DatasetError(`Cannot read dataset yaml ${file}: ${(error as Error).message}. Check the --data path.`, { cause: error });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    if (error instanceof YAMLError) throw new DatasetError(`Invalid dataset yaml ${file}: ${error.message}`, { cause: error });
    throw error;
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new DatasetError(`Invalid dataset yaml ${file}: expected a mapping with keys path, train, val, nc, names.`);
  }
  const parsed = dataYamlSchema.safeParse(doc, { reportInput: true });
  if (!parsed.success) throw new DatasetError(formatIssues(parsed.error.issues, `dataset yaml ${file}`));
  const data = parsed.data;

  const names = resolveNames(file, data.nc, data.names);
  const root = resolve(dirname(file), data.path ?? '.');
  const locate = (key: 'train' | 'val') => {
    const list = Array.isArray(data[key]) ? data[key] : [data[key]];
    return list.map((p) => {
      const abs = isAbsolute(p) ? p : resolve(root, p);
      if (!existsSync(abs)) {
        throw new DatasetError(
          `Invalid dataset yaml ${file}: "${key}: ${p}" points to ${abs}, which does not exist. ` +
            `Fix "${key}" (relative to "path", here ${root}) or "path" (relative to the yaml's folder).`,
        );
      }
      return abs;
    });
  };
  return { file, path: root, train: locate('train'), val: locate('val'), nc: names.length, names };
}

function resolveNames(file: string, nc: number | undefined, names: string[] | Record<string, string> | undefined): string[] {
  let list: string[];
  if (names === undefined) {
    if (nc === undefined) {
      throw new DatasetError(`Invalid dataset yaml ${file}: missing "names" (and "nc"); add e.g. "names: [cat, dog]" or "nc: 2".`);
    }
    list = Array.from({ length: nc }, (_, i) => `class${i}`);
  } else if (Array.isArray(names)) {
    list = names;
  } else {
    const keys = Object.keys(names).map(Number).sort((a, b) => a - b);
    keys.forEach((k, i) => {
      if (k !== i) {
        throw new DatasetError(
          `Invalid dataset yaml ${file}: "names" map keys must be 0..${keys.length - 1} without gaps (received key ${k} where ${i} was expected).`,
        );
      }
    });
    list = keys.map((k) => names[String(k)]);
  }
  if (list.length === 0) throw new DatasetError(`Invalid dataset yaml ${file}: "names" is empty; list one name per class.`);
  if (nc !== undefined && nc !== list.length) {
    throw new DatasetError(`Invalid dataset yaml ${file}: "nc: ${nc}" but "names" has ${list.length} entries; make them agree.`);
  }
  return list;
}

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { DatasetVersionError } from './errors.ts';
import type { DatasetFile } from './manifest.ts';

/**
 * Parses a YOLO data yaml and returns its resolved root and splits (absolute paths), throwing
 * a clear error when a key is missing or a split does not exist. The CLI passes the YOLOv5
 * trainer's loadDatasetConfig, so versions are checked by the same rules training uses.
 */
export type YamlValidator = (yamlFile: string) => { path: string; train: string[]; val: string[] };

const IMAGE = /\.(jpe?g|png|bmp|webp|tiff?)$/i;

/** The data yaml of a version: the one named, else the single *.yaml / *.yml at its root. */
export function pickYaml(files: readonly DatasetFile[], named?: string): string {
  if (named !== undefined) {
    if (!files.some((f) => f.path === named)) throw new DatasetVersionError('DATASET_YAML_MISSING', `The data yaml "${named}" is not in the version; add it (\`hpo data add <id> data.yaml\`) or name another with --yaml.`);
    return named;
  }
  const top = files.filter((f) => !f.path.includes('/') && /\.ya?ml$/i.test(f.path)).map((f) => f.path);
  if (top.length === 0) throw new DatasetVersionError('DATASET_YAML_MISSING', 'Cannot close: the version holds no YOLO data yaml at its root (path, train, val, nc, names). Add one, e.g. `hpo data add <id> data.yaml`.');
  if (top.length > 1) throw new DatasetVersionError('DATASET_YAML_AMBIGUOUS', `Cannot close: the version's root holds several yaml files (${top.join(', ')}); choose one with --yaml.`);
  return top[0];
}

/**
 * Checks a version's YOLO layout without downloading it: the yaml is parsed by `validate` over a
 * skeleton of the version's folders, then the manifest must hold images in every split, `path`
 * and the splits must stay inside the version, and the training images must have labels beside
 * them (images/... -> labels/....txt).
 */
export async function checkYoloLayout(files: readonly DatasetFile[], yamlPath: string, yamlText: Buffer, validate: YamlValidator): Promise<void> {
  const root = await mkdtemp(join(os.tmpdir(), 'hpo-dataset-check-'));
  const inside = (abs: string) => {
    const rel = relative(root, abs);
    return rel.startsWith('..') || isAbsolute(rel) ? undefined : rel.split(sep).join('/');
  };
  try {
    const dirs = new Set(files.map((f) => dirname(f.path)));
    for (const d of dirs) await mkdir(join(root, d), { recursive: true });
    // Split list files (train: train.txt) must exist for the parser; labels do not matter to it.
    for (const f of files) if (/\.txt$/i.test(f.path) && !f.path.split('/').includes('labels')) await writeFile(join(root, f.path), '');
    await writeFile(join(root, yamlPath), yamlText);
    let cfg: ReturnType<YamlValidator>;
    try {
      cfg = validate(join(root, yamlPath));
    } catch (error) {
      throw new DatasetVersionError('DATASET_YAML_INVALID', (error as Error).message.split(root + sep).join('').split(root).join('.'), { cause: error });
    }
    if (inside(cfg.path) === undefined) throw new DatasetVersionError('DATASET_YAML_INVALID', `${yamlPath}: "path" points outside the version; set "path: ." (the version is unpacked anywhere).`);
    const check = (split: 'train' | 'val', abs: string): void => {
      const rel = inside(abs);
      if (rel === undefined) throw new DatasetVersionError('DATASET_YAML_INVALID', `${yamlPath}: "${split}" points outside the version (${abs}); use a folder inside it, e.g. "${split}: images/${split}".`);
      if (/\.txt$/i.test(rel)) return; // a list file: its lines name the images
      const under = rel === '' ? '' : `${rel}/`;
      const images = files.filter((f) => f.path.startsWith(under) && IMAGE.test(f.path));
      if (images.length === 0) throw new DatasetVersionError('DATASET_LAYOUT_INVALID', `${yamlPath}: "${split}: ${rel}" holds no images (.jpg, .png, ...) in the version.`);
      if (split !== 'train') return;
      const paths = new Set(files.map((f) => f.path));
      const labelled = images.filter((f) => paths.has(labelFor(f.path)));
      if (labelled.length === 0) {
        throw new DatasetVersionError('DATASET_LAYOUT_INVALID', `${yamlPath}: none of the ${images.length} training images has a label file beside it (expected ${labelFor(images[0].path)} for ${images[0].path}).`);
      }
    };
    for (const abs of cfg.train) check('train', abs);
    for (const abs of cfg.val) check('val', abs);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** YOLOv5's img2label_paths: the last /images/ becomes /labels/, the extension .txt. */
function labelFor(imagePath: string): string {
  const p = `/${imagePath}`;
  const at = p.lastIndexOf('/images/');
  const swapped = at < 0 ? p : `${p.slice(0, at)}/labels/${p.slice(at + 8)}`;
  return swapped.slice(1).replace(/\.[^./]*$/, '.txt');
}

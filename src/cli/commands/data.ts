import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../../core/index.ts';
import { parseOrThrow } from '../../core/parse-input.ts';
import { logLine, type GlobalOptions } from '../context.ts';

const count = (flag: string) => z.coerce.number({ message: `${flag} must be a number` }).int({ message: `${flag} must be an integer` }).min(1, { message: `${flag} must be >= 1` });

const synthFlags = z.looseObject({
  out: z.string().min(1).optional(),
  dataset: z.string().regex(/^[^/]+\/.+$/, { message: '--dataset takes PROJECT/NAME, e.g. shapes/synth' }).optional(),
  train: count('--train').default(256),
  val: count('--val').default(64),
  img: count('--img').default(128),
  classes: count('--classes').max(8, { message: '--classes must be <= 8 (shape kinds)' }).default(3),
  seed: z.coerce.number({ message: '--seed must be a number' }).int().default(0),
});

/**
 * `hpo data synth`: a deterministic YOLO-format detection dataset (shapes on textures) and its
 * yaml; with `--dataset PROJECT/NAME`, straight into a new closed version of that name.
 */
export async function dataSynthCommand(options: Record<string, unknown>, globals: GlobalOptions): Promise<void> {
  const flags = parseOrThrow(synthFlags, options, 'flags');
  if (!flags.out && !flags.dataset) throw new ConfigError('hpo data synth needs --out DIR (a folder), --dataset PROJECT/NAME (a dataset version), or both.');
  const { synthesizeDataset } = await import('../../trainers/yolov5/data/index.ts');
  const started = Date.now();
  const out = flags.out ?? (await mkdtemp(path.join(os.tmpdir(), 'hpo-synth-')));
  try {
    const { yamlPath } = await synthesizeDataset({ out, train: flags.train, val: flags.val, img: flags.img, classes: flags.classes, seed: flags.seed });
    logLine(globals, 'info', `wrote ${flags.train} train + ${flags.val} val images (${flags.img} px, ${flags.classes} classes) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (!flags.dataset) return void process.stdout.write(`${yamlPath}\n`);
    // A child of that name's latest version, uploading what changed.
    const slash = flags.dataset.indexOf('/');
    const { dataSyncCommand } = await import('./datasets.ts');
    await dataSyncCommand({ project: flags.dataset.slice(0, slash), name: flags.dataset.slice(slash + 1), folder: out, json: options.json === true }, globals);
  } finally {
    if (!flags.out) await rm(out, { recursive: true, force: true });
  }
}

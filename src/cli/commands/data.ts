import { z } from 'zod';
import { parseOrThrow } from '../../core/parse-input.ts';
import { logLine, type GlobalOptions } from '../context.ts';

const count = (flag: string) => z.coerce.number({ message: `${flag} must be a number` }).int({ message: `${flag} must be an integer` }).min(1, { message: `${flag} must be >= 1` });

const synthFlags = z.looseObject({
  out: z.string().min(1),
  train: count('--train').default(256),
  val: count('--val').default(64),
  img: count('--img').default(128),
  classes: count('--classes').max(8, { message: '--classes must be <= 8 (shape kinds)' }).default(3),
  seed: z.coerce.number({ message: '--seed must be a number' }).int().default(0),
});

/** `hpo data synth`: a deterministic YOLO-format detection dataset (shapes on textures) and its yaml. */
export async function dataSynthCommand(options: Record<string, unknown>, globals: GlobalOptions): Promise<void> {
  const flags = parseOrThrow(synthFlags, options, 'flags');
  const { synthesizeDataset } = await import('../../trainers/yolov5/data/index.ts');
  const started = Date.now();
  const { yamlPath } = await synthesizeDataset({ out: flags.out, train: flags.train, val: flags.val, img: flags.img, classes: flags.classes, seed: flags.seed });
  logLine(globals, 'info', `wrote ${flags.train} train + ${flags.val} val images (${flags.img} px, ${flags.classes} classes) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.stdout.write(`${yamlPath}\n`);
}

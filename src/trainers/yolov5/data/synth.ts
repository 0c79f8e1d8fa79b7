import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadSharp } from './load-sharp.ts';
import { z } from 'zod';
import { createRng } from '../../../core/index.ts';
import { formatIssues } from '../../../core/parse-input.ts';
import { DatasetError } from './errors.ts';
import { renderScene, SHAPES } from './scene.ts';

/** What to synthesize; `img` is the image side in pixels. */
export interface SynthOptions {
  out: string;
  train?: number;
  val?: number;
  img?: number;
  classes?: number;
  seed?: number | string;
}

const optionsSchema = z.strictObject({
  out: z.string().min(1),
  train: z.number().int().min(1).default(256),
  val: z.number().int().min(1).default(64),
  img: z.number().int().min(32).max(4096).default(128),
  classes: z.number().int().min(1).max(SHAPES.length).default(3),
  seed: z.union([z.number(), z.string()]).default(0),
});

/** First line of every data.yaml we write: marks a folder as ours, safe to overwrite. */
const MARKER = '# Synthetic shapes dataset written by hpo';

/**
 * Writes a YOLO-format detection dataset of coloured shapes on textured backgrounds:
 * out/images/{train,val}/NNNNNN.{jpg,png} (even indices JPEG, odd PNG), out/labels/{train,val}/*.txt
 * and out/data.yaml. The same options give the same bytes. Refuses to write into a non-empty
 * folder that is not a previous synthetic dataset (whose split folders it replaces).
 * Defaults: 256 train, 64 val, 128 px, 3 classes, seed 0.
 */
export async function synthesizeDataset(options: SynthOptions): Promise<{ yamlPath: string }> {
  const parsed = optionsSchema.safeParse(options, { reportInput: true });
  if (!parsed.success) throw new DatasetError(formatIssues(parsed.error.issues, 'synthetic dataset options'));
  const opts = parsed.data;
  const out = resolve(opts.out);
  await prepareOutFolder(out);

  for (const [split, count] of [['train', opts.train], ['val', opts.val]] as const) {
    const imageDir = join(out, 'images', split);
    const labelDir = join(out, 'labels', split);
    await mkdir(imageDir, { recursive: true });
    await mkdir(labelDir, { recursive: true });
    const jobs = Array.from({ length: count }, (_, i) => i);
    // A few encodes in flight keep sharp's threads busy without holding every image in memory.
    for (let at = 0; at < jobs.length; at += 8) {
      await Promise.all(jobs.slice(at, at + 8).map((i) => writeSample(imageDir, labelDir, split, i, opts)));
    }
  }

  const names = SHAPES.slice(0, opts.classes);
  const yaml = [
    MARKER,
    `# train=${opts.train} val=${opts.val} img=${opts.img} classes=${opts.classes} seed=${opts.seed}`,
    'path: .',
    'train: images/train',
    'val: images/val',
    `nc: ${opts.classes}`,
    `names: [${names.join(', ')}]`,
    '',
  ].join('\n');
  const yamlPath = join(out, 'data.yaml');
  await writeFile(yamlPath, yaml);
  return { yamlPath };
}

async function writeSample(
  imageDir: string, labelDir: string, split: string, i: number,
  opts: { img: number; classes: number; seed: number | string },
): Promise<void> {
  const scene = renderScene(createRng(opts.seed, `synth:${split}:${i}`), opts.img, opts.classes);
  const name = String(i).padStart(6, '0');
  const sharp = await loadSharp();
  const raw = sharp(scene.image.data, { raw: { width: opts.img, height: opts.img, channels: 3 } });
  const png = i % 2 === 1;
  const encoded = png ? await raw.png({ compressionLevel: 6 }).toBuffer() : await raw.jpeg({ quality: 92 }).toBuffer();
  await writeFile(join(imageDir, `${name}.${png ? 'png' : 'jpg'}`), encoded);
  const s = opts.img;
  const lines = scene.objects.map(({ cls, box: [x1, y1, x2, y2] }) =>
    [cls, (x1 + x2) / 2 / s, (y1 + y2) / 2 / s, (x2 - x1) / s, (y2 - y1) / s].map((v, k) => (k === 0 ? String(v) : v.toFixed(6))).join(' '),
  );
  await writeFile(join(labelDir, `${name}.txt`), lines.length ? `${lines.join('\n')}\n` : '');
}

async function prepareOutFolder(out: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(out);
  } catch {
    return; // does not exist yet
  }
  if (entries.length === 0) return;
  const yaml = await readFile(join(out, 'data.yaml'), 'utf8').catch(() => '');
  if (!yaml.startsWith(MARKER)) {
    throw new DatasetError(
      `Output folder ${out} is not empty and holds no synthetic dataset written by hpo (no data.yaml starting with "${MARKER}"). Choose an empty or new folder.`,
    );
  }
  for (const dir of ['images', 'labels']) {
    for (const split of ['train', 'val']) await rm(join(out, dir, split), { recursive: true, force: true });
  }
}

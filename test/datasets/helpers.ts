import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FolderArtifactStore } from '../../src/artifacts/index.ts';
import { DatasetCatalog } from '../../src/datasets/index.ts';
import { loadDatasetConfig } from '../../src/trainers/yolov5/data/config.ts';

export const validate = loadDatasetConfig;

/** A YOLO-layout folder: data.yaml, `n` train and `m` val images (arbitrary bytes) with labels. */
export async function writeYoloFolder(dir: string, n = 50, m = 10, yaml = 'path: .\ntrain: images/train\nval: images/val\nnames: [a, b]\n'): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'data.yaml'), yaml);
  for (const [split, count] of [['train', n], ['val', m]] as const) {
    await mkdir(path.join(dir, 'images', split), { recursive: true });
    await mkdir(path.join(dir, 'labels', split), { recursive: true });
    for (let i = 0; i < count; i++) {
      await writeFile(path.join(dir, 'images', split, `${i}.png`), `png ${split} ${i} ${'x'.repeat(i)}`);
      await writeFile(path.join(dir, 'labels', split, `${i}.txt`), `${i % 2} 0.5 0.5 0.${(i % 9) + 1} 0.2\n`);
    }
  }
}

/** Every file under `dir` (but the cache marker) as relative path -> sha256. */
export async function treeHashes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || e.name === '.hpo-dataset.json') continue;
    const abs = path.join(e.parentPath, e.name);
    out[path.relative(dir, abs).split(path.sep).join('/')] = createHash('sha256').update(await readFile(abs)).digest('hex');
  }
  return out;
}

export function folderCatalog(root: string): DatasetCatalog {
  return new DatasetCatalog(new FolderArtifactStore(root, { durable: false }));
}

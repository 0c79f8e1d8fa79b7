import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDatasetConfig } from '../../../../src/trainers/yolov5/data/config.ts';
import { join, tempDir, writeText, removeTempDirs } from './fixtures.ts';

let dir: string;

beforeAll(async () => {
  dir = await tempDir();
  await mkdir(join(dir, 'ds', 'images', 'train'), { recursive: true });
  await mkdir(join(dir, 'ds', 'images', 'val'), { recursive: true });
});

async function yaml(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeText(file, text);
  return file;
}

describe('loadDatasetConfig', () => {
  it('resolves path against the yaml folder and train/val against path; names as a list', async () => {
    const file = await yaml('a.yaml', 'path: ds\ntrain: images/train\nval: images/val\nnc: 2\nnames: [cat, dog]\n');
    expect(loadDatasetConfig(file)).toEqual({
      file,
      path: join(dir, 'ds'),
      train: [join(dir, 'ds', 'images', 'train')],
      val: [join(dir, 'ds', 'images', 'val')],
      nc: 2,
      names: ['cat', 'dog'],
    });
  });

  it('accepts names as an index map, nc inferred, path defaulting to the yaml folder, split lists', async () => {
    const file = await yaml('b.yaml', 'train: [ds/images/train, ds/images/val]\nval: ds/images/val\nnames:\n  1: dog\n  0: cat\n');
    const cfg = loadDatasetConfig(file);
    expect(cfg.names).toEqual(['cat', 'dog']);
    expect(cfg.nc).toBe(2);
    expect(cfg.train).toEqual([join(dir, 'ds', 'images', 'train'), join(dir, 'ds', 'images', 'val')]);
  });

  it('names missing keys with the fix', async () => {
    const file = await yaml('c.yaml', 'path: ds\nval: images/val\nnames: [a]\n');
    expect(() => loadDatasetConfig(file)).toThrow(
      `Invalid dataset yaml ${file}:\n  ✖ missing the training images; add e.g. "train: images/train"\n    → at train`,
    );
    const noNames = await yaml('d.yaml', 'path: ds\ntrain: images/train\nval: images/val\n');
    expect(() => loadDatasetConfig(noNames)).toThrow(
      `Invalid dataset yaml ${noNames}: missing "names" (and "nc"); add e.g. "names: [cat, dog]" or "nc: 2".`,
    );
  });

  it('names a wrong type with the received value', async () => {
    const file = await yaml('e.yaml', 'path: ds\ntrain: images/train\nval: images/val\nnc: two\nnames: [a, b]\n');
    expect(() => loadDatasetConfig(file)).toThrow(
      `Invalid dataset yaml ${file}:\n  ✖ expected the number of classes as a whole number >= 1 (received "two")\n    → at nc`,
    );
  });

  it('names a missing train/val folder, where it was looked for, and the fix', async () => {
    const file = await yaml('f.yaml', 'path: ds\ntrain: images/train\nval: images/valid\nnames: [a]\n');
    expect(() => loadDatasetConfig(file)).toThrow(
      `Invalid dataset yaml ${file}: "val: images/valid" points to ${join(dir, 'ds', 'images', 'valid')}, which does not exist. ` +
        `Fix "val" (relative to "path", here ${join(dir, 'ds')}) or "path" (relative to the yaml's folder).`,
    );
  });

  it('rejects nc disagreeing with names, gaps in a names map, bad yaml and a missing file', async () => {
    const nc = await yaml('g.yaml', 'path: ds\ntrain: images/train\nval: images/val\nnc: 3\nnames: [a, b]\n');
    expect(() => loadDatasetConfig(nc)).toThrow(`Invalid dataset yaml ${nc}: "nc: 3" but "names" has 2 entries; make them agree.`);
    const gap = await yaml('h.yaml', 'path: ds\ntrain: images/train\nval: images/val\nnames: {0: a, 2: b}\n');
    expect(() => loadDatasetConfig(gap)).toThrow(
      `Invalid dataset yaml ${gap}: "names" map keys must be 0..1 without gaps (received key 2 where 1 was expected).`,
    );
    const bad = await yaml('i.yaml', 'path: ds\ntrain: [a\nval: b\n');
    expect(() => loadDatasetConfig(bad)).toThrow(`Invalid dataset yaml ${bad}: Flow sequence in block collection must be sufficiently indented and end with a ] at line 3, column 1`);
    expect(() => loadDatasetConfig(join(dir, 'nope.yaml'))).toThrow(`Cannot read dataset yaml ${join(dir, 'nope.yaml')}`);
  });
});

afterAll(removeTempDirs);

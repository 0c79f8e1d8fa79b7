import { readdir, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../../../src/core/index.ts';
import { loadDatasetConfig } from '../../../../src/trainers/yolov5/data/config.ts';
import { decodeImage } from '../../../../src/trainers/yolov5/data/image.ts';
import { openImageSet } from '../../../../src/trainers/yolov5/data/image-set.ts';
import { insideShape, renderScene, SHAPES } from '../../../../src/trainers/yolov5/data/scene.ts';
import { synthesizeDataset } from '../../../../src/trainers/yolov5/data/synth.ts';
import { join, removeTempDirs, tempDir, writeText } from './fixtures.ts';

async function allFiles(root: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const file = join(entry.parentPath, entry.name);
      out.set(file.slice(root.length), await readFile(file));
    }
  }
  return out;
}

let a: string, b: string, c: string;
beforeAll(async () => {
  [a, b, c] = [await tempDir(), await tempDir(), await tempDir()];
  await synthesizeDataset({ out: a, train: 6, val: 3, img: 64, classes: 3, seed: 7 });
  await synthesizeDataset({ out: b, train: 6, val: 3, img: 64, classes: 3, seed: 7 });
  await synthesizeDataset({ out: c, train: 6, val: 3, img: 64, classes: 3, seed: 8 });
});
afterAll(removeTempDirs);

describe('synthesizeDataset', () => {
  it('writes the same bytes for the same seed and different images for another seed', async () => {
    const [fa, fb, fc] = [await allFiles(a), await allFiles(b), await allFiles(c)];
    expect(fa.size).toBe(6 + 3 + 6 + 3 + 1);
    expect([...fa.keys()].sort()).toEqual([...fb.keys()].sort());
    for (const [name, bytes] of fa) expect(bytes.equals(fb.get(name)!), name).toBe(true);
    const differing = [...fa].filter(([name, bytes]) => name.includes('images') && !bytes.equals(fc.get(name)!));
    expect(differing.length).toBe(9);
  });

  it('writes a loadable yaml and YOLO labels: JPEG and PNG, names from the shapes', async () => {
    const cfg = loadDatasetConfig(join(a, 'data.yaml'));
    expect(cfg.names).toEqual(['circle', 'square', 'triangle']);
    const set = await openImageSet(cfg.train, { nc: cfg.nc });
    expect(set.files.map((f) => f.slice(-10))).toEqual(['000000.jpg', '000001.png', '000002.jpg', '000003.png', '000004.jpg', '000005.png']);
    expect(set.backgrounds).toBe(0);
    for (const rows of set.labels) {
      expect(rows.length / 5).toBeGreaterThanOrEqual(1);
      expect(rows.length / 5).toBeLessThanOrEqual(4);
    }
  });

  it('labels of the PNG files are the tight boxes of the pixels drawn in the object colour', async () => {
    const cfg = loadDatasetConfig(join(a, 'data.yaml'));
    const set = await openImageSet(cfg.train, { nc: cfg.nc });
    let checked = 0;
    for (let i = 1; i < set.files.length; i += 2) {
      const image = await decodeImage(set.files[i]);
      // Re-render the same scene (same stream as synth) to know each object's colour.
      const scene = renderScene(createRng(7, `synth:train:${i}`), 64, 3);
      expect(Buffer.from(image.data).equals(Buffer.from(scene.image.data))).toBe(true); // PNG is lossless
      scene.objects.forEach((object, k) => {
        const row = Array.from(set.labels[i].subarray(k * 5, k * 5 + 5));
        expect(row[0]).toBe(object.cls);
        const [x1, y1, x2, y2] = [(row[1] - row[3] / 2) * 64, (row[2] - row[4] / 2) * 64, (row[1] + row[3] / 2) * 64, (row[2] + row[4] / 2) * 64];
        let bx1 = 64, by1 = 64, bx2 = 0, by2 = 0;
        for (let p = 0; p < 64 * 64; p++) {
          if (scene.owner[p] !== k) continue;
          const x = p % 64, y = Math.floor(p / 64);
          // Visible pixels of this object carry its colour (within the drawing jitter of +-8).
          for (let ch = 0; ch < 3; ch++) expect(Math.abs(image.data[p * 3 + ch] - object.colour[ch])).toBeLessThanOrEqual(9);
          bx1 = Math.min(bx1, x); by1 = Math.min(by1, y); bx2 = Math.max(bx2, x + 1); by2 = Math.max(by2, y + 1);
        }
        // Visible pixels stay inside the label; an unoccluded object fills it edge to edge.
        expect(bx1).toBeGreaterThanOrEqual(x1 - 1e-3);
        expect(by1).toBeGreaterThanOrEqual(y1 - 1e-3);
        expect(bx2).toBeLessThanOrEqual(x2 + 1e-3);
        expect(by2).toBeLessThanOrEqual(y2 + 1e-3);
        const occluded = scene.objects.some((o, j) => j > k && o.box[0] < object.box[2] && o.box[2] > object.box[0] && o.box[1] < object.box[3] && o.box[3] > object.box[1]);
        if (!occluded) expect([bx1, by1, bx2, by2].map((v, n) => Math.abs(v - [x1, y1, x2, y2][n]))).toEqual([0, 0, 0, 0].map(() => expect.closeTo(0, 3)));
        checked++;
      });
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });

  it('draws objects of 10-50 % of the image, one class per shape kind', () => {
    const sizes: number[] = [];
    const classes = new Set<number>();
    for (let i = 0; i < 40; i++) {
      for (const o of renderScene(createRng(1, `t:${i}`), 128, 5).objects) {
        sizes.push((o.box[2] - o.box[0]) / 128);
        classes.add(o.cls);
      }
    }
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(0.09);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(0.51);
    expect([...classes].sort()).toEqual([0, 1, 2, 3, 4]);
    // Every kind has a different mask: pairwise they disagree on at least 8 % of a 41x41 grid.
    const grid = (k: number) => Array.from({ length: 41 * 41 }, (_, p) => insideShape(k, (p % 41) / 20 - 1, Math.floor(p / 41) / 20 - 1));
    const masks = SHAPES.map((_, k) => grid(k));
    for (let i = 0; i < masks.length; i++) {
      for (let j = i + 1; j < masks.length; j++) {
        const differ = masks[i].filter((v, p) => v !== masks[j][p]).length / masks[i].length;
        expect(differ, `${SHAPES[i]} vs ${SHAPES[j]}`).toBeGreaterThan(0.08);
      }
    }
  });

  it('refuses to write into a non-empty folder it did not create, and replaces its own output', async () => {
    const foreign = await tempDir();
    await writeText(join(foreign, 'notes.txt'), 'mine');
    await expect(synthesizeDataset({ out: foreign, train: 1, val: 1 })).rejects.toThrow(
      `Output folder ${foreign} is not empty and holds no synthetic dataset written by hpo`,
    );
    await synthesizeDataset({ out: c, train: 2, val: 1, img: 64, seed: 8 });
    expect((await readdir(join(c, 'images', 'train'))).length).toBe(2);
  });

  it('validates options with the field and value', async () => {
    await expect(synthesizeDataset({ out: a, classes: 9 })).rejects.toThrow('→ at classes');
    await expect(synthesizeDataset({ out: a, classes: 9 })).rejects.toThrow('(received 9)');
  });
});

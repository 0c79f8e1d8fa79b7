import { readFile, writeFile } from 'node:fs/promises';
import { sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openImageSet } from '../../../../src/trainers/yolov5/data/image-set.ts';
import { labelPathFor, parseLabels } from '../../../../src/trainers/yolov5/data/labels.ts';
import { join, labelLine, rectImage, tempDir, writeImage, writeText, removeTempDirs } from './fixtures.ts';

describe('labelPathFor', () => {
  it('swaps the last /images/ for /labels/ and the extension for .txt', () => {
    expect(labelPathFor(['', 'd', 'images', 'x', 'images', 'a.b.jpg'].join(sep))).toBe(['', 'd', 'images', 'x', 'labels', 'a.b.txt'].join(sep));
    expect(labelPathFor(['', 'd', 'pics', 'a.png'].join(sep))).toBe(['', 'd', 'pics', 'a.txt'].join(sep));
  });
});

describe('parseLabels', () => {
  it('parses rows, skips blank lines, turns polygons into boxes and drops duplicates with a warning', () => {
    const parsed = parseLabels('0 0.5 0.5 0.2 0.4\n\n1 0.1 0.2 0.3 0.2 0.3 0.6\n0 0.5 0.5 0.2 0.4\n', 'l.txt', 2);
    expect(Array.from(parsed.rows)).toEqual(
      [0, 0.5, 0.5, 0.2, 0.4, 1, 0.2, 0.4, 0.2, 0.4].map((v) => Math.fround(v)),
    );
    expect(parsed.warnings).toEqual(['l.txt:4: duplicate label dropped ("0 0.5 0.5 0.2 0.4")']);
  });

  it('names file and line for a line of 4 numbers', () => {
    expect(() => parseLabels('0 0.5 0.5 0.2 0.2\n0 0.5 0.5 0.2\n', '/d/labels/a.txt', 3)).toThrow(
      '/d/labels/a.txt:2: expected 5 numbers "class cx cy w h", got 4 ("0 0.5 0.5 0.2"). Fix the line or delete it.',
    );
  });

  it('names file and line for a class >= nc or not an integer', () => {
    expect(() => parseLabels('3 0.5 0.5 0.2 0.2\n', 'a.txt', 3)).toThrow(
      'a.txt:1: class 3 is not an integer in [0, 2] (the dataset yaml has nc=3). Fix the class or the yaml\'s names/nc.',
    );
    expect(() => parseLabels('1.5 0.5 0.5 0.2 0.2\n', 'a.txt', 3)).toThrow('a.txt:1: class 1.5 is not an integer in [0, 2]');
  });

  it('names file and line for coordinates outside [0, 1] and non-numbers', () => {
    expect(() => parseLabels('0 0.5 0.5 0.2 0.2\n\n0 0.5 1.2 0.2 0.2\n', 'a.txt', 1)).toThrow(
      'a.txt:3: coordinate 1.2 is outside [0, 1] ("0 0.5 1.2 0.2 0.2"). Labels are normalized by the image width and height; divide pixel values by them.',
    );
    expect(() => parseLabels('0 0.5 x 0.2 0.2\n', 'a.txt', 1)).toThrow(
      'a.txt:1: "x" is not a number in label line "0 0.5 x 0.2 0.2". Each line is "class cx cy w h" (numbers).',
    );
  });

  it('accepts float round-off just past 1 and clips it', () => {
    expect(parseLabels('0 0.5 0.5 1.0000001 0.2\n', 'a.txt', 1).rows[3]).toBe(1);
  });
});

describe('openImageSet', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
    await writeImage(join(dir, 'images', 'a.png'), rectImage(40, 30, [[10, 10, 20, 20]]));
    await writeText(join(dir, 'labels', 'a.txt'), `${labelLine(0, [10, 10, 20, 20], 40, 30)}\n`);
    await writeImage(join(dir, 'images', 'sub', 'b.jpg'), rectImage(20, 50, []), 'jpeg');
  });

  it('lists images recursively, reads labels and shapes, and treats a missing label file as background', async () => {
    const set = await openImageSet(join(dir, 'images'), { nc: 1 });
    expect(set.files).toEqual([join(dir, 'images', 'a.png'), join(dir, 'images', 'sub', 'b.jpg')]);
    expect(set.shapes).toEqual([{ width: 40, height: 30 }, { width: 20, height: 50 }]);
    expect(Array.from(set.labels[0])).toEqual([0, 0.375, 0.5, 0.25, 10 / 30].map(Math.fround));
    expect(set.labels[1].length).toBe(0);
    expect(set.backgrounds).toBe(1);
    const image = await set.load(1, 100, false);
    expect([image.width, image.height, image.data.length]).toEqual([40, 100, 40 * 100 * 3]);
  });

  it('reads the same set when a slow first chunk hands the rest to asynchronous reads', async () => {
    await writeImage(join(dir, 'images', 'c.png'), rectImage(16, 24, [[2, 2, 8, 8]]));
    await writeText(join(dir, 'labels', 'c.txt'), `${labelLine(0, [2, 2, 8, 8], 16, 24)}\n`);
    const sync = await openImageSet(join(dir, 'images'), { nc: 1 });
    const handedOver = await openImageSet(join(dir, 'images'), { nc: 1, syncChunk: 1, slowFileMs: 0 });
    expect(handedOver.shapes).toEqual(sync.shapes);
    expect(handedOver.shapes).toEqual([{ width: 40, height: 30 }, { width: 16, height: 24 }, { width: 20, height: 50 }]);
    expect(handedOver.labels.map((l) => Array.from(l))).toEqual(sync.labels.map((l) => Array.from(l)));
    expect(handedOver.backgrounds).toBe(1);
    await expect(openImageSet(join(dir, 'images'), { nc: 1, syncChunk: 2, slowFileMs: 1e9 })).resolves.toMatchObject({ shapes: sync.shapes });
  });

  it('reads a list file with paths relative to it and names a missing entry by line', async () => {
    await writeText(join(dir, 'list.txt'), './images/sub/b.jpg\nimages/a.png\n');
    const set = await openImageSet(join(dir, 'list.txt'), { nc: 1 });
    expect(set.files).toEqual([join(dir, 'images', 'sub', 'b.jpg'), join(dir, 'images', 'a.png')]);
    await writeText(join(dir, 'bad-list.txt'), 'images/a.png\nimages/zzz.png\n');
    await expect(openImageSet(join(dir, 'bad-list.txt'), { nc: 1 })).rejects.toThrow(
      `${join(dir, 'bad-list.txt')}:2: image "images/zzz.png" not found (resolved to ${join(dir, 'images', 'zzz.png')}). Fix or delete the line.`,
    );
  });

  it('reports a bad label with its file and line', async () => {
    const d = await tempDir();
    await writeImage(join(d, 'images', 'a.png'), rectImage(8, 8, []));
    await writeText(join(d, 'labels', 'a.txt'), '0 0.5 0.5 0.5 0.5\n2 0.5 0.5 0.5 0.5\n');
    await expect(openImageSet(join(d, 'images'), { nc: 2 })).rejects.toThrow(
      `${join(d, 'labels', 'a.txt')}:2: class 2 is not an integer in [0, 1]`,
    );
  });

  it('names a text file posing as a PNG when opening', async () => {
    const d = await tempDir();
    await writeText(join(d, 'images', 'fake.png'), 'this is not an image\n');
    await expect(openImageSet(join(d, 'images'), { nc: 1 })).rejects.toThrow(
      `Cannot decode image ${join(d, 'images', 'fake.png')}: Input file contains unsupported image format. The file is corrupt, truncated or not an image; replace it or delete it and its label file.`,
    );
  });

  it('names a truncated JPEG when decoding', async () => {
    const d = await tempDir();
    const file = join(d, 'images', 'cut.jpg');
    await writeImage(file, rectImage(64, 64, [[5, 5, 40, 40]]), 'jpeg');
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const set = await openImageSet(join(d, 'images'), { nc: 1 });
    await expect(set.load(0, 64, false)).rejects.toThrow(
      `Cannot decode image ${file}: VipsJpeg: premature end of JPEG image. The file is corrupt, truncated or not an image`,
    );
  });

  it('names an empty folder and a missing source', async () => {
    const d = await tempDir();
    await expect(openImageSet(d, { nc: 1 })).rejects.toThrow(`No images (.jpg .jpeg .png .webp .tif .tiff) found in ${d}.`);
    await expect(openImageSet(join(d, 'nope'), { nc: 1 })).rejects.toThrow(`Image source ${join(d, 'nope')} does not exist.`);
  });
});

afterAll(removeTempDirs);

/**
 * The server's one-call preprocessing gives exactly the trainer's validation input: for real
 * JPEG and PNG files (squares, crops that need padding, images that need resizing up and down,
 * all eight EXIF orientations, gray, CMYK, progressive, alpha, palette, 16-bit, interlaced),
 * prepareImage's NCHW floats, letterbox placement and original size equal what the trainer's
 * image set and letterbox() give. The header reader agrees with sharp's metadata wherever it
 * answers (orientation included), and answers for the plain JPEG and PNG kinds (so those take
 * the one-call path; with orientation 1 without sharp's orientation step). Plain JPEGs already at
 * the network size take the WebAssembly decoder and still give sharp's pixels bit for bit; a file
 * that decoder warns about or refuses goes to sharp, whose verdict and message the caller gets.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageHeader } from '../../src/trainers/yolov5/data/image-header.ts';
import { ImageDecodeError, prepareImage, toNetworkInput } from '../../src/serve/pipeline/preprocess.ts';
import { decodeRgb, readImageSize } from '../../src/trainers/yolov5/data/image.ts';
import { letterbox, openImageSet, synthesizeDataset } from '../../src/trainers/yolov5/data/index.ts';

let dir: string;
let folder: string;
/** Files the header reader must read itself (the rest may leave it to sharp). */
const readable = new Set<string>();
/** `size:file` of every image prepareImage decoded in WebAssembly. */
const tookWasm = new Set<string>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hpo-preprocess-'));
  await synthesizeDataset({ out: join(dir, 'ds'), train: 1, val: 4, img: 96, classes: 3, seed: 3 });
  const val = join(dir, 'ds', 'images', 'val');
  folder = join(dir, 'images');
  mkdirSync(folder);
  const source = await readFile(join(val, readdirSync(val).sort()[0]));
  const write = async (name: string, image: Sharp, mustRead: boolean) => {
    await writeFile(join(folder, name), await image.toBuffer());
    if (mustRead) readable.add(name);
  };
  for (const f of readdirSync(val)) await write(f, sharp(await readFile(join(val, f))), true);
  const base = () => sharp(source);
  await write('crop-wide.jpg', base().extract({ left: 0, top: 0, width: 96, height: 51 }).jpeg({ quality: 90 }), true);
  await write('crop-tall.png', base().extract({ left: 3, top: 0, width: 45, height: 96 }).png(), true);
  await write('big-wide.jpg', base().resize(301, 187, { fit: 'fill' }).jpeg(), true); // shrinks by > 2: sharp's shrink-on-load
  await write('big-tall.png', base().resize(130, 211, { fit: 'fill' }).png(), true);
  await write('small.jpg', base().resize(40, 29, { fit: 'fill' }).jpeg(), true);
  for (let o = 1; o <= 8; o++) await write(`orient-${o}.jpg`, base().resize(90, 50, { fit: 'fill' }).jpeg().withMetadata({ orientation: o }), true);
  await write('gray.jpg', base().grayscale().jpeg(), true);
  await write('cmyk.jpg', base().toColourspace('cmyk').jpeg(), true);
  await write('progressive.jpg', base().resize(150, 100, { fit: 'fill' }).jpeg({ progressive: true }), true);
  await write('progressive-96.jpg', base().resize(96, 80, { fit: 'fill' }).jpeg({ progressive: true, chromaSubsampling: '4:4:4' }), true);
  await write('alpha.png', base().ensureAlpha(0.5).png(), true);
  await write('palette.png', base().png({ palette: true }), true);
  await write('deep.png', base().toColourspace('rgb16').png(), true);
  await write('interlaced.png', base().resize(70, 96, { fit: 'fill' }).png({ progressive: true }), true);
  await write('orient-6.png', base().resize(90, 50, { fit: 'fill' }).png().withMetadata({ orientation: 6 }), false);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('readImageHeader', () => {
  it('gives the size sharp reports after EXIF orientation, and reads every plain JPEG and PNG itself', async () => {
    for (const name of readdirSync(folder)) {
      const bytes = await readFile(join(folder, name));
      const meta = await sharp(bytes).metadata();
      const header = readImageHeader(bytes);
      if (readable.has(name)) expect(header, name).toBeDefined();
      if (header) expect([header.width, header.height], name).toEqual([meta.autoOrient.width, meta.autoOrient.height]);
    }
    expect(readImageHeader(await readFile(join(folder, 'orient-6.jpg')))).toEqual({ format: 'jpeg', width: 50, height: 90, orientation: 6, plainJpeg: false });
    for (let o = 1; o <= 8; o++) expect(readImageHeader(await readFile(join(folder, `orient-${o}.jpg`)))?.orientation).toBe(o);
    expect(readImageHeader(await readFile(join(folder, 'crop-tall.png')))).toEqual({ format: 'png', width: 45, height: 96, orientation: 1, plainJpeg: false });
  });

  it('calls a JPEG plain only when libjpeg alone gives sharp\'s pixels: 8-bit gray or YCbCr, no colour profile', async () => {
    const plain = async (name: string) => readImageHeader(await readFile(join(folder, name)))?.plainJpeg;
    for (const name of ['000000.jpg', '000002.jpg', 'crop-wide.jpg', 'big-wide.jpg', 'small.jpg', 'gray.jpg', 'progressive.jpg']) expect(await plain(name), name).toBe(true);
    // sharp's withMetadata() embeds an sRGB ICC profile, which sharp then applies when decoding.
    for (const name of ['cmyk.jpg', 'orient-1.jpg', 'orient-6.jpg', '000001.png', 'alpha.png']) expect(await plain(name), name).toBe(false);
  });

  it('gives the trainer each image\'s oriented size as sharp does, header read or not (readImageSize)', async () => {
    const names = readdirSync(folder);
    expect(names.some((n) => !readable.has(n))).toBe(true); // some go to sharp's metadata()
    for (const name of names) {
      const meta = await sharp(join(folder, name)).metadata();
      expect(await readImageSize(join(folder, name)), name).toEqual({ width: meta.autoOrient.width, height: meta.autoOrient.height });
    }
  });

  it('leaves what it does not know to sharp: other formats, truncated headers, garbage', async () => {
    const jpeg = await readFile(join(folder, 'orient-1.jpg'));
    expect(readImageHeader(await sharp(jpeg).webp().toBuffer())).toBeUndefined();
    expect(readImageHeader(jpeg.subarray(0, 20))).toBeUndefined();
    expect(readImageHeader(Buffer.from('not an image at all'))).toBeUndefined();
    expect(readImageHeader(new Uint8Array(0))).toBeUndefined();
  });
});

describe('prepareImage', () => {
  it.each([96, 128, 64])('equals the trainer\'s validation input (decode, resize, letterbox, /255) at %i px', async (size) => {
    const set = await openImageSet(folder, { nc: 3 });
    expect(set.files.length).toBeGreaterThan(20);
    const plane = size * size;
    for (const [i, file] of set.files.entries()) {
      const got = await prepareImage(await readFile(file), size);
      const want = letterbox(await set.load(i, size, false), size);
      expect([got.width, got.height], file).toEqual([set.shapes[i].width, set.shapes[i].height]);
      expect(got.placement, file).toEqual(want.placement);
      const expected = new Float32Array(3 * plane);
      for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) expected[c * plane + p] = want.image.data[3 * p + c] / 255;
      expect(got.pixels.length, file).toBe(expected.length);
      let differing = 0;
      for (let k = 0; k < expected.length; k++) if (got.pixels[k] !== expected[k]) differing++;
      expect(differing, `${file}: values that differ from the trainer's`).toBe(0);
      const header = readImageHeader(await readFile(file));
      const wasm = !!header?.plainJpeg && header.orientation === 1 && Math.max(header.width, header.height) === size;
      expect(got.decoder, file).toBe(wasm ? 'wasm-jpeg' : 'sharp');
      if (wasm) tookWasm.add(`${size}:${file}`);
    }
  });

  it('ran the WebAssembly decoder on the plain JPEGs at their own size (gray and progressive among them)', () => {
    const names = [...tookWasm].map((k) => k.replace(/^.*\//, ''));
    expect(names).toEqual(expect.arrayContaining(['000000.jpg', '000002.jpg', 'gray.jpg', 'crop-wide.jpg', 'progressive-96.jpg']));
  });

  it('hands a JPEG the WebAssembly decoder warns about or refuses to sharp, and keeps decoding afterwards', async () => {
    const jpeg = await readFile(join(folder, '000000.jpg'));
    expect((await prepareImage(jpeg, 96)).decoder).toBe('wasm-jpeg');
    // Truncated: libjpeg only warns (and would fill the rest gray); sharp refuses it.
    await expect(prepareImage(jpeg.subarray(0, jpeg.length >> 1), 96, 1)).rejects.toThrow(/^image 1 cannot be decoded: .+\. Send a complete JPEG or PNG file$/);
    // Garbage in the scan: a fatal libjpeg error (exit() in WebAssembly); the answer is sharp's, pixels or error alike.
    const corrupt = Buffer.from(jpeg);
    for (let i = jpeg.length >> 2; i < jpeg.length >> 1; i++) corrupt[i] = (i * 37) & 0xff;
    const viaSharp = await decodeRgb(corrupt, undefined, { orient: false }).then((rgb) => toNetworkInput(rgb, 96).pixels, (e: Error) => e.message);
    const got = await prepareImage(corrupt, 96).then((p) => { expect(p.decoder).toBe('sharp'); return p.pixels; }, (e: Error) => e.message);
    if (typeof viaSharp === 'string') expect(got).toEqual(expect.stringContaining(viaSharp));
    else expect(got).toEqual(viaSharp);
    const again = await prepareImage(jpeg, 96);
    expect(again.decoder).toBe('wasm-jpeg');
    expect(again.pixels).toEqual((await prepareImage(jpeg, 96)).pixels);
  });

  it('answers an undecodable body with the decoder\'s reason, a truncated JPEG included', async () => {
    const jpeg = await readFile(join(folder, 'big-wide.jpg'));
    await expect(prepareImage(jpeg.subarray(0, jpeg.length >> 1), 96, 2)).rejects.toThrow(ImageDecodeError);
    await expect(prepareImage(jpeg.subarray(0, jpeg.length >> 1), 96, 2)).rejects.toThrow(/^image 2 cannot be decoded: .+\. Send a complete JPEG or PNG file$/);
    await expect(prepareImage(Buffer.from('not an image at all'), 96)).rejects.toThrow(/^image 0 cannot be decoded: .*unsupported image format/);
  });
});

import { readFileSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { DatasetError } from './errors.ts';
import { decodeImage, IMAGE_EXTENSIONS, readImageSize, readImageSizeSync, resizedShape, type RgbImage } from './image.ts';
import { labelPathFor, parseLabels } from './labels.ts';

/** The images of one split with their labels, read once; decoded pixels are loaded on demand. */
export interface ImageSet {
  /** What was opened (folders / list files), for messages. */
  source: string;
  nc: number;
  /** Absolute image paths, sorted (folders) or in list order (list files). */
  files: string[];
  /** Per image: rows of (class, cx, cy, w, h) normalized; empty for background images. */
  labels: Float32Array[];
  /** Per image: width and height after EXIF orientation. */
  shapes: { width: number; height: number }[];
  /** Non-fatal notes (duplicate labels dropped). */
  warnings: string[];
  /** Number of images without a label file (backgrounds). */
  backgrounds: number;
  /**
   * Image `index` decoded to RGB with its longer side resized to `longSide` (YOLOv5 load_image).
   * With `cache`, the result is kept in memory for later calls with the same size, so callers
   * must treat it as read-only.
   */
  load(index: number, longSide: number, cache: boolean): Promise<RgbImage>;
}

/** Images read synchronously between two turns of the event loop. */
const SYNC_CHUNK = 256;
/** Past this many ms per image in a synchronous chunk, the rest is read asynchronously. */
const SLOW_FILE_MS = 0.25;

/** Options of {@link openImageSet}: the class count, and how it reads (defaults above). */
export interface OpenImageSetOptions {
  nc: number;
  /** Images read synchronously between two turns of the event loop (default 256). */
  syncChunk?: number;
  /** A synchronous chunk slower than this per image hands the rest to asynchronous reads (default 0.25). */
  slowFileMs?: number;
}

/**
 * Opens a split: a folder (searched recursively for images), a `.txt` file listing image paths
 * (relative ones resolved against the list's folder), or several of them. Reads every label file
 * (images/ -> labels/, extension -> .txt) and every image header. An image without a label file is
 * a background image. Throws DatasetError naming the file (and line) on bad labels, unreadable
 * images, a missing path or an empty split.
 */
export async function openImageSet(source: string | readonly string[], opts: OpenImageSetOptions): Promise<ImageSet> {
  if (!Number.isInteger(opts.nc) || opts.nc < 1) throw new DatasetError(`openImageSet: nc must be an integer >= 1, got ${opts.nc}.`);
  const sources = (typeof source === 'string' ? [source] : [...source]).map((s) => resolve(s));
  const files: string[] = [];
  for (const s of sources) files.push(...(await listImages(s)));
  const described = sources.join(', ');
  if (files.length === 0) {
    throw new DatasetError(`No images (${IMAGE_EXTENSIONS.join(' ')}) found in ${described}. Check the train/val entries of the dataset yaml.`);
  }
  const labels: Float32Array[] = new Array(files.length);
  const shapes: { width: number; height: number }[] = new Array(files.length);
  const warnings: string[] = [];
  let backgrounds = 0;
  const setLabels = (i: number, labelFile: string, text: string | undefined) => {
    if (text === undefined) {
      backgrounds++;
      labels[i] = new Float32Array(0);
    } else {
      const parsed = parseLabels(text, labelFile, opts.nc);
      labels[i] = parsed.rows;
      warnings.push(...parsed.warnings);
    }
  };
  const missing = (error: unknown, labelFile: string): undefined => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DatasetError(`Cannot read label file ${labelFile}: ${(error as Error).message}.`, { cause: error });
  };
  // A local disk answers these small reads in microseconds, which fs/promises' thread-pool round
  // trips multiply by ten (a trial's 144 label files and image headers: 25-33 ms against 2.6 read
  // synchronously, before its first step). So they are read synchronously, a chunk at a time with
  // the event loop let through between chunks; a chunk slower than SLOW_FILE_MS per image (a
  // network file system) hands the rest to parallel asynchronous reads, which hide its latency.
  const { syncChunk = SYNC_CHUNK, slowFileMs = SLOW_FILE_MS } = opts;
  let next = 0;
  while (next < files.length) {
    const start = performance.now();
    const end = Math.min(files.length, next + syncChunk);
    for (; next < end; next++) {
      const labelFile = labelPathFor(files[next]);
      let text: string | undefined;
      try {
        text = readFileSync(labelFile, 'utf8');
      } catch (error) {
        text = missing(error, labelFile);
      }
      setLabels(next, labelFile, text);
      const shape = readImageSizeSync(files[next]);
      if (shape) shapes[next] = shape;
    }
    if (performance.now() - start > slowFileMs * syncChunk) break;
    if (next < files.length) await new Promise((r) => setImmediate(r));
  }
  const rest = next;
  await forEachLimited(files.length - rest, 16, async (k) => {
    const i = rest + k;
    const labelFile = labelPathFor(files[i]);
    setLabels(i, labelFile, await readFile(labelFile, 'utf8').catch((error: unknown) => missing(error, labelFile)));
    shapes[i] = await readImageSize(files[i]);
  });
  // Headers the JavaScript reader was unsure of, asked of sharp.
  const unsure: number[] = [];
  for (let i = 0; i < files.length; i++) if (shapes[i] === undefined) unsure.push(i);
  await forEachLimited(unsure.length, 16, async (k) => {
    shapes[unsure[k]] = await readImageSize(files[unsure[k]]);
  });

  return { source: described, nc: opts.nc, files, labels, shapes, warnings, backgrounds, load: imageLoader(files, shapes) };
}

/**
 * The `load` of an ImageSet over `files` with their `shapes`, with its own cache (a batch worker
 * thread builds one over the same files).
 */
export function imageLoader(files: readonly string[], shapes: readonly { width: number; height: number }[]): ImageSet['load'] {
  // Promises, not images, so that concurrent loads of one image (a mosaic picking it twice) decode once.
  const cache = new Map<string, Promise<RgbImage>>();
  const decode = (index: number, longSide: number) => {
    const { width, height } = shapes[index];
    const size = resizedShape(width, height, longSide);
    return decodeImage(files[index], size.width === width && size.height === height ? undefined : size);
  };
  return (index, longSide, useCache) => {
    const key = `${index}@${longSide}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const image = decode(index, longSide);
    if (useCache) {
      cache.set(key, image);
      image.catch(() => cache.delete(key));
    }
    return image;
  };
}

async function listImages(source: string): Promise<string[]> {
  let info;
  try {
    info = await stat(source);
  } catch {
    throw new DatasetError(`Image source ${source} does not exist. Point train/val at an images folder or a list .txt file.`);
  }
  if (info.isDirectory()) {
    const entries = await readdir(source, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile() && isImage(e.name))
      .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
      .sort();
  }
  if (extname(source).toLowerCase() === '.txt') return readList(source);
  if (isImage(source)) return [source];
  throw new DatasetError(`Image source ${source} is neither a folder, a list .txt file nor an image. Point train/val at an images folder.`);
}

async function readList(listFile: string): Promise<string[]> {
  const lines = (await readFile(listFile, 'utf8')).split(/\r?\n/);
  const files: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const entry = lines[i].trim();
    if (entry === '' || entry.startsWith('#')) continue;
    const file = isAbsolute(entry) ? entry : resolve(dirname(listFile), entry);
    if (!isImage(file)) {
      throw new DatasetError(`${listFile}:${i + 1}: "${entry}" is not an image file (${IMAGE_EXTENSIONS.join(' ')}).`);
    }
    try {
      await stat(file);
    } catch {
      throw new DatasetError(`${listFile}:${i + 1}: image "${entry}" not found (resolved to ${file}). Fix or delete the line.`);
    }
    files.push(file);
  }
  return files;
}

function isImage(name: string): boolean {
  return (IMAGE_EXTENSIONS as readonly string[]).includes(extname(name).toLowerCase());
}

/** Runs `task(0..n-1)` with at most `limit` in flight; the first failure rejects. */
async function forEachLimited(n: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

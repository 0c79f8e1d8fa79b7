import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { loadSharp } from './load-sharp.ts';
import { DatasetError } from './errors.ts';
import { readImageHeader } from './image-header.ts';

/** An interleaved RGB image, row-major, 3 bytes per pixel. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Image file extensions read by the loader (all decoded by sharp). */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff'] as const;

/** A new image of the given size filled with one gray level (YOLOv5 pads with 114). */
export function filledImage(width: number, height: number, value = 114): RgbImage {
  return { data: new Uint8Array(width * height * 3).fill(value), width, height };
}

/** The bytes a JPEG's or PNG's header segments fit in, but for unusually large EXIF or colour profiles. */
const HEADER_BYTES = 64 * 1024;

/**
 * Width and height after EXIF orientation, from the header only: read in JavaScript
 * (image-header.ts; a fifth of the CPU of asking sharp, which a trial pays for every image before
 * its first step), sharp's metadata() where that reader is unsure. Throws DatasetError naming the file.
 */
export async function readImageSize(file: string): Promise<{ width: number; height: number }> {
  try {
    const header = readImageHeader(await readPrefix(file, HEADER_BYTES));
    if (header) return { width: header.width, height: header.height };
    const sharp = await loadSharp();
    const meta = await sharp(file).metadata();
    const width = meta.autoOrient?.width ?? meta.width;
    const height = meta.autoOrient?.height ?? meta.height;
    if (!width || !height) throw new Error('no width/height in the header');
    return { width, height };
  } catch (error) {
    throw corrupt(file, error);
  }
}

let syncHeaderBuffer: Uint8Array | undefined;

/**
 * readImageSize's header path, synchronously: the size, or undefined where the JavaScript reader
 * is unsure (then readImageSize asks sharp). Throws DatasetError naming a file it cannot read.
 */
export function readImageSizeSync(file: string): { width: number; height: number } | undefined {
  let header;
  try {
    const fd = openSync(file, 'r');
    try {
      // One buffer for every call: they run one at a time, and the header keeps no view of it.
      syncHeaderBuffer ??= new Uint8Array(HEADER_BYTES);
      header = readImageHeader(syncHeaderBuffer.subarray(0, readSync(fd, syncHeaderBuffer, 0, HEADER_BYTES, 0)));
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw corrupt(file, error);
  }
  return header && { width: header.width, height: header.height };
}

async function readPrefix(file: string, bytes: number): Promise<Uint8Array> {
  const handle = await open(file);
  try {
    const buffer = new Uint8Array(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Decodes an image file to RGB (EXIF orientation applied, alpha dropped, gray expanded), resized
 * to `size` when given (bilinear). A truncated or unreadable file throws DatasetError naming it.
 */
export async function decodeImage(file: string, size?: { width: number; height: number }): Promise<RgbImage> {
  try {
    return await decodeRgb(file, size);
  } catch (error) {
    throw corrupt(file, error);
  }
}

/**
 * The decode of {@link decodeImage} for a file path or encoded bytes (the server's request
 * bodies), so both give the same pixels. Throws sharp's own error for undecodable input.
 * `orient: false` skips sharp's EXIF orientation step (a copy of the image) for a caller that
 * has read from the header that there is nothing to turn.
 */
export async function decodeRgb(input: string | Buffer, size?: { width: number; height: number }, opts: { orient?: boolean } = {}): Promise<RgbImage> {
  const sharp = await loadSharp();
  let pipeline = sharp(input, { failOn: 'truncated' });
  if (opts.orient !== false) pipeline = pipeline.autoOrient();
  pipeline = pipeline.removeAlpha().toColourspace('srgb');
  if (size) pipeline = pipeline.resize(size.width, size.height, { fit: 'fill', kernel: 'linear' });
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

function corrupt(file: string, error: unknown): DatasetError {
  if (error instanceof DatasetError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new DatasetError(
    `Cannot decode image ${file}: ${reason}. The file is corrupt, truncated or not an image; replace it or delete it and its label file.`,
    { cause: error },
  );
}

/**
 * YOLOv5's load_image size: the longer side becomes `longSide`, the aspect ratio is kept and the
 * shorter side is truncated (at least 1 px).
 */
export function resizedShape(width: number, height: number, longSide: number): { width: number; height: number } {
  const r = longSide / Math.max(width, height);
  if (r === 1) return { width, height };
  return { width: Math.max(1, Math.floor(width * r + 1e-9)), height: Math.max(1, Math.floor(height * r + 1e-9)) };
}

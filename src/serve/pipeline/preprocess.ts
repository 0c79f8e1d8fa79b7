/**
 * Request image -> network input, exactly as the trainer's validation prepares an image:
 * decode with sharp (EXIF orientation, alpha dropped), resize the longer side to `size`
 * (YOLOv5's load_image, bilinear), letterbox into the square (data/letterbox.ts), then /255 as
 * float32, here in NCHW for ONNX. One sharp call per image: the size that picks the resize comes
 * from the file header (the trainer's data/image-header.ts; sharp's metadata() only when that cannot be read), and
 * the letterbox padding is written with the float conversion instead of into a padded RGB copy.
 * A small plain JPEG that needs no resizing or turning (the common case for a detector's clients,
 * who send images at the served size) is decoded by libjpeg in WebAssembly instead (jpeg-wasm.ts):
 * the same pixels at a third of sharp's CPU. sharp decodes everything else, and any file that
 * decoder gives up on, on libuv's threads.
 */
import sharp from 'sharp';
import { decodeRgb, resizedShape, type RgbImage } from '../../trainers/yolov5/data/image.ts';
import { letterbox, letterboxPlacement, type LetterboxPlacement } from '../../trainers/yolov5/data/letterbox.ts';
import { ServeError } from '../errors.ts';
import { readImageHeader, type ImageHeader } from '../../trainers/yolov5/data/image-header.ts';
import { decodeJpeg } from './jpeg-wasm.ts';
import { takePixels } from './pixel-pool.ts';

/** One decoded, letterboxed image ready for the network. */
export interface PreparedImage {
  /** [3, size, size] float32 RGB in [0, 1], from the pixel pool: a batcher it is submitted to gives it back, so do not read it after submit(). */
  pixels: Float32Array;
  /** The original image's size (after EXIF orientation). */
  width: number;
  height: number;
  /** Original pixels -> network pixels: x' = x * gain + placement.left (and y with top). */
  gain: number;
  placement: LetterboxPlacement;
  /** Which decoder read the file. */
  decoder: 'wasm-jpeg' | 'sharp';
}

/** An image the decoder refused; `reason` is the decoder's own message. */
export class ImageDecodeError extends ServeError {
  constructor(readonly index: number, readonly reason: string) {
    super('SERVE_IMAGE_UNDECODABLE', `image ${index} cannot be decoded: ${reason}. Send a complete JPEG or PNG file`);
    this.name = 'ImageDecodeError';
  }
}

const UNIT = Float32Array.from({ length: 256 }, (_, v) => v / 255);
const PAD = 114 / 255;

/**
 * Largest image (pixels) decoded in WebAssembly. That decode runs on the server's thread, one
 * image after another, while sharp decodes on libuv's threads beside it: at 320 px (1.5 ms per
 * image in WebAssembly) the server's thread became the bottleneck between forward passes
 * (bench:serve, 8 clients: 96 img/s against 124 with sharp), at 128 px (0.33 ms) it is not.
 */
const WASM_MAX_PIXELS = 256 * 256;

/** Decodes and letterboxes `bytes` (image `index` of a request, for messages). */
export async function prepareImage(bytes: Buffer, size: number, index = 0): Promise<PreparedImage> {
  const header = readImageHeader(bytes);
  if (header && wasmDecodable(header, size)) {
    const image = await decodeJpeg(bytes);
    if (image && image.width === header.width && image.height === header.height) {
      const { pixels, placement } = toNetworkInput({ ...image, channels: 4 }, size);
      return { pixels, width: image.width, height: image.height, gain: size / Math.max(image.width, image.height), placement, decoder: 'wasm-jpeg' };
    }
  }
  let width: number, height: number;
  let rgb: RgbImage;
  try {
    ({ width, height } = header ?? await sharpSize(bytes));
    const target = resizedShape(width, height, size);
    rgb = await decodeRgb(bytes, target.width === width && target.height === height ? undefined : target, { orient: header?.orientation !== 1 });
    if (rgb.width !== target.width || rgb.height !== target.height) {
      throw new Error(`decoded to ${rgb.width}x${rgb.height} pixels, but its header gives ${target.width}x${target.height} at ${size} px`);
    }
  } catch (error) {
    throw new ImageDecodeError(index, (error as Error).message);
  }
  const { pixels, placement } = toNetworkInput(rgb, size);
  return { pixels, width, height, gain: size / Math.max(width, height), placement, decoder: 'sharp' };
}

/** A plain JPEG, as stored (orientation 1), already at its network size (long side = `size`), not too large. */
function wasmDecodable(h: ImageHeader, size: number): boolean {
  return h.plainJpeg && h.orientation === 1 && Math.max(h.width, h.height) === size && h.width * h.height <= WASM_MAX_PIXELS;
}

/** Width and height after EXIF orientation, from sharp (any format it reads; its error when it cannot). */
async function sharpSize(bytes: Buffer): Promise<{ width: number; height: number }> {
  const meta = await sharp(bytes).metadata();
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  if (!width || !height) throw new Error('no width/height in the header');
  return { width, height };
}

/**
 * [3, size, size] floats of `image` (interleaved RGB, or RGBA whose alpha is ignored) letterboxed
 * (pad 114): the image's rows go straight into the planes. An RGB image that needs resampling
 * into the square takes letterbox()'s own path.
 */
export function toNetworkInput(image: RgbImage & { channels?: 3 | 4 }, size: number): { pixels: Float32Array; placement: LetterboxPlacement } {
  const channels = image.channels ?? 3;
  const placement = letterboxPlacement(image.width, image.height, size);
  const plane = size * size;
  if (placement.width !== image.width || placement.height !== image.height) {
    if (channels !== 3) throw new Error(`toNetworkInput resamples RGB images only, got ${channels} channels`);
    const pixels = takePixels(3 * plane);
    const boxed = letterbox(image, size);
    planes(boxed.image.data, 3, pixels, plane, 0, plane);
    return { pixels, placement: boxed.placement };
  }
  const pixels = takePixels(3 * plane);
  const { left, top, width, height } = placement;
  if (width !== size || height !== size) pixels.fill(PAD); // a square image covers every value
  const row = width * channels;
  for (let y = 0; y < height; y++) {
    planes(image.data.subarray(y * row, (y + 1) * row), channels, pixels, plane, (top + y) * size + left, width);
  }
  return { pixels, placement };
}

/** Interleaved bytes (`channels` per pixel, RGB first) -> `count` pixels of the three float planes from `offset` on. */
function planes(src: Uint8Array, channels: number, dst: Float32Array, plane: number, offset: number, count: number): void {
  for (let i = 0, s = 0, o = offset; i < count; i++, s += channels, o++) {
    dst[o] = UNIT[src[s]];
    dst[plane + o] = UNIT[src[s + 1]];
    dst[2 * plane + o] = UNIT[src[s + 2]];
  }
}

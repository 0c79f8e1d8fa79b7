/**
 * Request image -> network input, exactly as the trainer's validation prepares an image:
 * decode with sharp (EXIF orientation, alpha dropped), resize the longer side to `size`
 * (YOLOv5's load_image, bilinear), letterbox into the square (data/letterbox.ts), then /255 as
 * float32, here in NCHW for ONNX. One sharp call per image: the size that picks the resize comes
 * from the file header (image-header.ts; sharp's metadata() only when that cannot be read), and
 * the letterbox padding is written with the float conversion instead of into a padded RGB copy.
 * sharp decodes on libuv's threads, off the inference path.
 */
import sharp from 'sharp';
import { decodeRgb, resizedShape, type RgbImage } from '../../trainers/yolov5/data/image.ts';
import { letterbox, letterboxPlacement, type LetterboxPlacement } from '../../trainers/yolov5/data/letterbox.ts';
import { ServeError } from '../errors.ts';
import { readImageHeader } from './image-header.ts';
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

/** Decodes and letterboxes `bytes` (image `index` of a request, for messages). */
export async function prepareImage(bytes: Buffer, size: number, index = 0): Promise<PreparedImage> {
  let width: number, height: number;
  let rgb: RgbImage;
  try {
    const header = readImageHeader(bytes);
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
  return { pixels, width, height, gain: size / Math.max(width, height), placement };
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
 * [3, size, size] floats of `rgb` letterboxed (pad 114): the image's rows go straight into the
 * planes. An image that needs resampling into the square takes letterbox()'s own path.
 */
export function toNetworkInput(rgb: RgbImage, size: number): { pixels: Float32Array; placement: LetterboxPlacement } {
  const placement = letterboxPlacement(rgb.width, rgb.height, size);
  const plane = size * size;
  const pixels = takePixels(3 * plane);
  if (placement.width !== rgb.width || placement.height !== rgb.height) {
    const boxed = letterbox(rgb, size);
    planes(boxed.image.data, pixels, plane, 0, plane);
    return { pixels, placement: boxed.placement };
  }
  pixels.fill(PAD);
  const { left, top, width, height } = placement;
  for (let y = 0; y < height; y++) {
    planes(rgb.data.subarray(y * width * 3, (y + 1) * width * 3), pixels, plane, (top + y) * size + left, width);
  }
  return { pixels, placement };
}

/** Interleaved RGB bytes -> `count` pixels of the three float planes from `offset` on. */
function planes(src: Uint8Array, dst: Float32Array, plane: number, offset: number, count: number): void {
  for (let i = 0, o = offset; i < count; i++, o++) {
    dst[o] = UNIT[src[3 * i]];
    dst[plane + o] = UNIT[src[3 * i + 1]];
    dst[2 * plane + o] = UNIT[src[3 * i + 2]];
  }
}

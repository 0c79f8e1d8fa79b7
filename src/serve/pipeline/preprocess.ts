/**
 * Request image -> network input, exactly as the trainer's validation prepares an image:
 * decode with sharp (EXIF orientation, alpha dropped), resize the longer side to `size`
 * (YOLOv5's load_image, bilinear), letterbox into the square (data/letterbox.ts), then /255 as
 * float32, here in NCHW for ONNX. sharp decodes on its own threads, off the inference path.
 */
import sharp from 'sharp';
import { decodeRgb, resizedShape } from '../../trainers/yolov5/data/image.ts';
import { letterbox, type LetterboxPlacement } from '../../trainers/yolov5/data/letterbox.ts';
import { ServeError } from '../errors.ts';

/** One decoded, letterboxed image ready for the network. */
export interface PreparedImage {
  /** [3, size, size] float32 RGB in [0, 1]. */
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

/** Decodes and letterboxes `bytes` (image `index` of a request, for messages). */
export async function prepareImage(bytes: Buffer, size: number, index = 0): Promise<PreparedImage> {
  let width: number, height: number;
  let rgb;
  try {
    const meta = await sharp(bytes).metadata();
    width = meta.autoOrient?.width ?? meta.width;
    height = meta.autoOrient?.height ?? meta.height;
    if (!width || !height) throw new Error('no width/height in the header');
    const target = resizedShape(width, height, size);
    rgb = await decodeRgb(bytes, target.width === width && target.height === height ? undefined : target);
  } catch (error) {
    throw new ImageDecodeError(index, (error as Error).message);
  }
  const { image, placement } = letterbox(rgb, size);
  const plane = size * size;
  const pixels = new Float32Array(3 * plane);
  const src = image.data;
  for (let i = 0; i < plane; i++) {
    pixels[i] = UNIT[src[3 * i]];
    pixels[plane + i] = UNIT[src[3 * i + 1]];
    pixels[2 * plane + i] = UNIT[src[3 * i + 2]];
  }
  return { pixels, width, height, gain: size / Math.max(width, height), placement };
}

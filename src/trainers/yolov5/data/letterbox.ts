import { filledImage, type RgbImage } from './image.ts';
import { warpImage, type PixelBoxes } from './warp.ts';

/** Where the source image landed inside the letterboxed square. */
export interface LetterboxPlacement {
  /** Source pixels -> letterbox pixels scale. */
  scale: number;
  /** Left and top padding in pixels (integers). */
  left: number;
  top: number;
  /** Size of the resized image inside the square. */
  width: number;
  height: number;
}

/**
 * Fits `image` into a size x size square keeping its aspect ratio, centred, padded with gray 114
 * (YOLOv5 letterbox with auto=False; padding split as YOLOv5 splits it: the odd pixel goes to the
 * bottom/right). An image whose longer side already equals `size` is copied, not resampled.
 */
export function letterbox(image: RgbImage, size: number): { image: RgbImage; placement: LetterboxPlacement } {
  const placement = letterboxPlacement(image.width, image.height, size);
  const { left, top, width, height } = placement;
  if (width === image.width && height === image.height) {
    const out = filledImage(size, size);
    for (let y = 0; y < height; y++) {
      out.data.set(image.data.subarray(y * width * 3, (y + 1) * width * 3), ((top + y) * size + left) * 3);
    }
    return { image: out, placement };
  }
  // Resampling path (image not pre-resized): one warp maps the whole image into the square.
  const sx = width / image.width, sy = height / image.height;
  const m = Float64Array.of(sx, 0, left, 0, sy, top, 0, 0, 1);
  return { image: warpImage(image, m, size, size), placement };
}

/** Where letterbox() puts a `width` x `height` image in the size x size square. */
export function letterboxPlacement(imageWidth: number, imageHeight: number, size: number): LetterboxPlacement {
  const scale = Math.min(size / imageWidth, size / imageHeight);
  const width = Math.round(imageWidth * scale);
  const height = Math.round(imageHeight * scale);
  const left = Math.max(0, Math.round((size - width) / 2 - 0.1));
  const top = Math.max(0, Math.round((size - height) / 2 - 0.1));
  return { scale, left, top, width, height };
}

/**
 * Converts normalized (class, cx, cy, w, h) rows of the original image to pixel (class, x1, y1,
 * x2, y2) rows in the letterboxed square.
 */
export function labelsToLetterbox(rows: Float32Array, p: LetterboxPlacement): PixelBoxes {
  const out: PixelBoxes = [];
  for (let k = 0; k < rows.length; k += 5) {
    const [cls, cx, cy, w, h] = rows.subarray(k, k + 5);
    out.push(cls, p.left + (cx - w / 2) * p.width, p.top + (cy - h / 2) * p.height, p.left + (cx + w / 2) * p.width, p.top + (cy + h / 2) * p.height);
  }
  return out;
}

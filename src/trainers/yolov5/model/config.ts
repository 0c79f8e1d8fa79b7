/**
 * YOLOv5 v6+ sizes and channel/depth scaling (models/yolov5{n,s,m,l,x}.yaml and
 * models/yolo.py parse_model in ultralytics/yolov5).
 */

/** Model size letters, as in yolov5n.pt ... yolov5x.pt. */
export type YoloSize = 'n' | 's' | 'm' | 'l' | 'x';

/** depth_multiple and width_multiple of each size. */
export const SIZE_MULTIPLES: Record<YoloSize, { depth: number; width: number }> = {
  n: { depth: 0.33, width: 0.25 },
  s: { depth: 0.33, width: 0.5 },
  m: { depth: 0.67, width: 0.75 },
  l: { depth: 1.0, width: 1.0 },
  x: { depth: 1.33, width: 1.25 },
};

/** BatchNorm settings YOLOv5 sets in initialize_weights (PyTorch momentum = weight of the new batch). */
export const BN_EPS = 1e-3;
export const BN_MOMENTUM = 0.03;

/** Smallest multiple of `divisor` that is >= x (YOLOv5's make_divisible). */
export function makeDivisible(x: number, divisor = 8): number {
  return Math.ceil(x / divisor) * divisor;
}

/** Scaled channel count of a yaml width for this size. */
export function scaleWidth(channels: number, size: YoloSize): number {
  return makeDivisible(channels * SIZE_MULTIPLES[size].width, 8);
}

/** Scaled repeat count of a yaml depth: n > 1 -> max(round(n * gd), 1). */
export function scaleDepth(n: number, size: YoloSize): number {
  return n > 1 ? Math.max(Math.round(n * SIZE_MULTIPLES[size].depth), 1) : n;
}

/** Parses a size letter, with a clear error for anything else. */
export function parseSize(value: unknown): YoloSize {
  if (typeof value === 'string' && value in SIZE_MULTIPLES) return value as YoloSize;
  throw new Error(`model size: expected one of n, s, m, l, x, got ${JSON.stringify(value)}`);
}

/**
 * Network output rows of one image -> detections in the original image's pixels: the trainer's
 * NMS (nms.ts), then boxes mapped back through the letterbox (YOLOv5's scale_boxes: subtract
 * the padding, divide by the gain, clip to the image).
 */
import { nonMaxSuppression } from '../../trainers/yolov5/metrics/nms.ts';
import type { PreparedImage } from './preprocess.ts';

/** Detection options of a request (YOLOv5 detect.py's defaults). */
export interface DetectOptions {
  conf: number;
  iou: number;
  max_det: number;
  /** Every class above `conf` per box instead of the best one (val.py's setting). */
  multi_label: boolean;
  /** Suppress across classes. */
  agnostic: boolean;
}

/** One detection as the API returns it. */
export interface ApiDetection {
  class_id: number;
  class_name: string;
  confidence: number;
  box: { x1: number; y1: number; x2: number; y2: number };
}

/** NMS over `rows` ([N, 5 + nc]) and the boxes mapped back to `image`'s own pixels. */
export function toDetections(rows: Float32Array, nc: number, image: Pick<PreparedImage, 'width' | 'height' | 'gain' | 'placement'>, names: string[], opts: DetectOptions): ApiDetection[] {
  const dets = nonMaxSuppression(rows, {
    nc, confThres: opts.conf, iouThres: opts.iou, maxDet: opts.max_det, multiLabel: opts.multi_label, agnostic: opts.agnostic,
  });
  const { left, top } = image.placement;
  const clip = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  return dets.map((d) => ({
    class_id: d.cls,
    class_name: names[d.cls] ?? String(d.cls),
    confidence: d.conf,
    box: {
      x1: clip((d.box[0] - left) / image.gain, image.width),
      y1: clip((d.box[1] - top) / image.gain, image.height),
      x2: clip((d.box[2] - left) / image.gain, image.width),
      y2: clip((d.box[3] - top) / image.gain, image.height),
    },
  }));
}

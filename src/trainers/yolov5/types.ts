/**
 * Shared shapes of the YOLOv5 trainer's parts (model, loss, data, metrics, train loop).
 * Tensors are NHWC (TF.js). Coordinates: normalized cx,cy,w,h in [0,1] for labels and
 * targets; x1,y1,x2,y2 pixels of the network input for detections.
 */

/** YOLOv5 hyp.scratch-low.yaml. */
export interface Hyp {
  lr0: number; lrf: number; momentum: number; weight_decay: number;
  warmup_epochs: number; warmup_momentum: number; warmup_bias_lr: number;
  box: number; cls: number; cls_pw: number; obj: number; obj_pw: number;
  iou_t: number; anchor_t: number; fl_gamma: number;
  hsv_h: number; hsv_s: number; hsv_v: number;
  degrees: number; translate: number; scale: number; shear: number; perspective: number;
  flipud: number; fliplr: number; mosaic: number; mixup: number; copy_paste: number;
}

export const DEFAULT_HYP: Hyp = {
  lr0: 0.01, lrf: 0.01, momentum: 0.937, weight_decay: 0.0005,
  warmup_epochs: 3, warmup_momentum: 0.8, warmup_bias_lr: 0.1,
  box: 0.05, cls: 0.5, cls_pw: 1, obj: 1, obj_pw: 1,
  iou_t: 0.2, anchor_t: 4, fl_gamma: 0,
  hsv_h: 0.015, hsv_s: 0.7, hsv_v: 0.4,
  degrees: 0, translate: 0.1, scale: 0.5, shear: 0, perspective: 0,
  flipud: 0, fliplr: 0.5, mosaic: 1, mixup: 0, copy_paste: 0,
};

/** YOLOv5 default anchors (pixels) for P3/8, P4/16, P5/32: three (w, h) pairs per level. */
export const DEFAULT_ANCHORS: readonly (readonly [number, number])[][] = [
  [[10, 13], [16, 30], [33, 23]],
  [[30, 61], [62, 45], [59, 119]],
  [[116, 90], [156, 198], [373, 326]],
];
export const STRIDES = [8, 16, 32] as const;

/** One training or validation batch. */
export interface Batch {
  /** [B, S, S, 3] RGB in [0, 1], row-major, S = imgSize. */
  images: Float32Array;
  batchSize: number;
  imgSize: number;
  /** [n, 6] rows of (imageIndexInBatch, class, cx, cy, w, h), normalized to the network input. */
  targets: Float32Array;
  /** Source image paths, for messages. */
  paths: string[];
}

/** One detection, in pixels of the network input. */
export interface Detection {
  image: number | string;
  cls: number;
  conf: number;
  box: [number, number, number, number]; // x1, y1, x2, y2
}

/** One ground-truth box, in the same pixel frame as detections. */
export interface GroundTruth {
  image: number | string;
  cls: number;
  box: [number, number, number, number];
}

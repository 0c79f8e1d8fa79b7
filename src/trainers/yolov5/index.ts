/** The YOLOv5 trainer package entry: the trainer, its params, and the metrics for use outside training. */
export { yolov5Trainer, prepareRun, type TrainingRun } from './trainer.ts';
export { runTraining, type EpochSummary, type RunHooks } from './train.ts';
export { parseYoloParams, YOLO_DEFAULT_PARAMS, YOLO_PARAM_NAMES, type YoloParams, type YoloArgs } from './params.ts';
export { evaluateDetections, fitness, type DetectionMetrics } from './metrics.ts';
export { RESULT_KEYS } from './results-csv.ts';
export { encodeCheckpoint, decodeCheckpoint, type Checkpoint } from './checkpoint.ts';
export type { Detection, GroundTruth, Hyp } from './types.ts';

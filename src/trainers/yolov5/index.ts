/** The YOLOv5 trainer package entry: the trainer, its params, and the metrics for use outside training. */
export { yolov5Trainer } from './trainer.ts';
export { prepareRun, type TrainingRun } from './train/prepare-run.ts';
export { runTraining, type EpochSummary, type RunHooks } from './train/epochs.ts';
export { parseYoloParams, YOLO_DEFAULT_PARAMS, YOLO_PARAM_NAMES, type YoloParams, type YoloArgs } from './train/params.ts';
export { evaluateDetections, fitness, type DetectionMetrics } from './metrics/metrics.ts';
export { RESULT_KEYS } from './train/results-csv.ts';
export { encodeCheckpoint, decodeCheckpoint, type Checkpoint } from './train/checkpoint.ts';
export type { Detection, GroundTruth, Hyp } from './types.ts';

/** Package entry for library users: search-space and config helpers, the in-process API, YOLOv5 metrics. */
export { float, int, categorical } from './space/index.ts';
export { defineConfig, defineTemplate, type UserConfig, type StudyConfig, type TemplateDefinition } from './config/index.ts';
export { optimize, TrialPruned, type OptimizeOptions, type OptimizeResult, type TrialHandle } from './study/optimize.ts';
// The ask/tell engine under optimize() and the controller: ask a trial, run it anywhere, tell its value or ending.
export { Study, StudyTrial, studySeed, type StudyOptions, type PastTrial } from './study/study.ts';
export type { Ending, EndingKind } from './core/ending.ts';
export type { Params, ParamValue, Space, Dimension, Condition, Direction, Strategy, StrategyNote, AskContext, Pruner, StudyView, TrialView, Task, TaskStore } from './core/index.ts';
// Pareto math for several objectives (losses: minimize every coordinate).
export { dominates, nonDominatedFronts, hypervolume } from '../strategies/math/pareto.ts';
// Plain JS (no TensorFlow.js): YOLOv5's P, R, mAP@0.5 and mAP@0.5:0.95 for detections made anywhere.
export { evaluateDetections, fitness, type DetectionMetrics } from './trainers/yolov5/metrics/metrics.ts';
export type { Detection, GroundTruth } from './trainers/yolov5/types.ts';

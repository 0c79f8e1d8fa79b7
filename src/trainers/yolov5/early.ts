/**
 * What a fresh YOLOv5 trial process starts before the trainer's modules load (TensorFlow.js, about
 * 0.1 s): the batch thread, whose own start (a worker, then sharp: about 0.15 s) overlaps them, so
 * its first batch is built by the time the model is. The run takes it (takeBatchThread); a run
 * with args/workers 0 ends it. A light module: it loads no TensorFlow.js.
 */
export { preloadBatchThread as startEarly } from './data/batch-thread.ts';

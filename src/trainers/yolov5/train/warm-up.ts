/**
 * A spare trial process's warm-up (yolov5Trainer.preload): a throwaway yolov5n built, seeded and
 * blank, so that the model-building code and the WebAssembly heap are warm when the task arrives.
 * Measured with `bench:trial-startup --spare` (README): the task's model is then built in about
 * 0.2 s instead of 0.28, and the trial spends about as much less CPU as the warm-up cost. A
 * forward and backward pass as well saved nothing before the first step and was dropped.
 */
import { createYoloModel } from '../model/index.ts';

export function warmUp(): void {
  createYoloModel({ size: 'n', nc: 3, seed: 0 }).dispose();
  createYoloModel({ size: 'n', nc: 3, blank: true }).dispose();
}

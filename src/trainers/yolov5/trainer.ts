import type { Trainer } from '../../worker/trainer.ts';
import { runTraining } from './train/epochs.ts';
import { prepareRun } from './train/prepare-run.ts';
import { initBackend } from './backend.ts';
import { preloadBatchThread } from './data/batch-thread.ts';
import { loadSharp } from './data/load-sharp.ts';
import { warmUp } from './train/warm-up.ts';

/**
 * The built-in `yolov5` trainer: YOLOv5's train.py in TF.js. Reports per-epoch scalars under
 * results.csv names, stores last.bin, best.bin and results.csv as artifacts, stops at the next
 * epoch boundary when `ctx.signal` aborts, and throws (failing the trial alone) on bad input
 * or a diverged loss.
 */
export const yolov5Trainer: Trainer = {
  type: 'yolov5',
  async train(params, ctx) {
    const run = await prepareRun(params, ctx);
    try {
      await runTraining(run, ctx);
    } finally {
      await run.dispose();
    }
  },
  // The backend a task with args/backend auto gets (another is switched to at the run's start),
  // a batch thread with its modules loaded, sharp for the first plots, and warm model code.
  async preload() {
    await Promise.all([initBackend(), preloadBatchThread(), loadSharp()]);
    warmUp();
  },
};

import { defineTemplate } from '../src/config/template.ts';

/**
 * A stand-in for a YOLOv5 run that trains in milliseconds: the function trainer reports a
 * synthetic learning curve (mAP rises, losses fall; high learning rates start fast and plateau
 * low) under YOLOv5's scalar names. Tests, benchmarks and quick tries of a config use it.
 */
export default defineTemplate({
  name: 'curve-yolov5s',
  project: 'demo',
  trainer: { type: 'function', objective: 'learning-curve', epochMs: 20 },
  params: {
    'hyp/lr0': 0.01,
    'hyp/momentum': 0.937,
    'hyp/weight_decay': 0.0005,
    'hyp/warmup_epochs': 3,
    'hyp/scale': 0.5,
    'hyp/mixup': 0,
    'args/epochs': 30,
    'args/seed': 0,
  },
});

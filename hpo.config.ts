import { defineConfig, float } from './src/config/public.ts';

/**
 * The study the README's main job (`npm run demo`) runs on templates/yolov5-synthetic.ts: a real
 * YOLOv5n trained from scratch on the synthetic shapes dataset, two trials at a time (one per
 * core), TPE proposing learning rate, momentum and scale augmentation, the median pruner stopping
 * trials that trail the finished ones after 8 epochs. `totalTime` keeps the demo within 15
 * minutes on 2 cores whatever the machine's speed. Every key is optional except `space`; see the
 * README's config reference for the defaults.
 */
export default defineConfig({
  project: 'yolov5-demo',
  name: 'demo: yolov5n on synthetic shapes',
  space: {
    'hyp/lr0': float(0.003, 0.03, { log: true }),
    'hyp/momentum': float(0.85, 0.97),
    'hyp/scale': float(0.2, 0.7),
  },
  objective: { metric: 'metrics/mAP_0.5:0.95', direction: 'maximize', mode: 'last' },
  strategy: { type: 'tpe', seed: 1 },
  pruner: { type: 'median', nStartupTrials: 2, nWarmupEpochs: 8 },
  budget: { maxTrials: 6, concurrency: 2, maxEpochs: 16, trialTimeout: '12m', totalTime: '14m' },
  execution: { type: 'local' },
});

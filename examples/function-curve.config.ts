import { categorical, defineConfig, float } from '../src/config/public.ts';

/**
 * A quick study of the function trainer's synthetic learning curve (seconds, not minutes):
 * `npx hpo train templates/function-curve.ts`, then
 * `npx hpo run --template <id> --config examples/function-curve.config.ts`. Every key is optional except `space`; see the
 * README's config reference for defaults.
 */
export default defineConfig({
  project: 'demo',
  name: 'demo study',
  space: {
    'hyp/lr0': float(1e-4, 1e-1, { log: true }),
    'hyp/momentum': float(0.6, 0.98),
    'hyp/weight_decay': float(1e-5, 1e-2, { log: true }),
    'hyp/mixup': categorical([0, 0.1, 0.2]),
  },
  objective: { metric: 'metrics/mAP_0.5:0.95', direction: 'maximize', mode: 'last' },
  strategy: { type: 'random', seed: 1 },
  pruner: { type: 'none' },
  budget: { maxTrials: 12, concurrency: 2, trialTimeout: '10m' },
  execution: { type: 'local' },
});

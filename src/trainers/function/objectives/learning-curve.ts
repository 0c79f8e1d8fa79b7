import { normal, type Params, type Rng } from '../../../core/index.ts';
import { float } from '../../../space/index.ts';
import { numberParam } from './params.ts';
import type { BuiltinObjective } from './types.ts';

/**
 * A synthetic YOLOv5-like training run: per-epoch mAP, losses and learning rate as functions of
 * YOLOv5 hyperparameters. It exists so that strategies and pruners meet the hard part of real
 * studies without a GPU: curves that cross. All constants were chosen by hand so that the curves
 * look like a small-dataset YOLOv5 run; they are a model, not a fit to data.
 *
 * - The effective step size of SGD with momentum is `eff = lr0 / (1 - momentum)`.
 * - Progress integrates YOLOv5's LR schedule: a linear warm-up over `hyp/warmup_epochs`, then the
 *   linear decay to `lrf = 0.01` over `args/epochs`; a longer run anneals later.
 * - Speed grows with `eff` (a high LR starts fast) but the plateau peaks at a moderate `eff` and
 *   falls on both sides, faster on the high side (a high LR plateaus low). Strong augmentation
 *   (`hyp/scale`, `hyp/mixup`) also learns more slowly yet plateaus higher, up to a point.
 * - Every other param only moves the plateau: a quadratic penalty around an interior optimum (in log
 *   space for the log-scaled ones). The plateau scales the whole curve, so those differences are
 *   visible early, as they are in practice, while speed differences make curves cross.
 * - Noise is Gaussian: larger for a large step size and a higher level, shrinking as the LR anneals.
 * Noise-free optimum: about 0.69 near lr0 0.012, momentum 0.88, and the PLATEAU table's optima.
 */

const LRF = 0.01;
const EFF_PEAK = 0.05;
const PLATEAU_MAX = 0.72;

/** Plateau-only params: default (YOLOv5's hyp.scratch-low), optimum, penalty weight, log scale. */
const PLATEAU: ReadonlyArray<{ name: string; fallback: number; optimum: number; weight: number; log: boolean }> = [
  { name: 'hyp/momentum', fallback: 0.937, optimum: 0.88, weight: 1, log: false },
  { name: 'hyp/weight_decay', fallback: 5e-4, optimum: 5e-4, weight: 0.004, log: true },
  { name: 'hyp/warmup_epochs', fallback: 3, optimum: 2, weight: 0.002, log: false },
  { name: 'hyp/box', fallback: 0.05, optimum: 0.08, weight: 3, log: false },
  { name: 'hyp/cls', fallback: 0.5, optimum: 0.8, weight: 0.01, log: true },
  { name: 'hyp/obj', fallback: 1, optimum: 1.5, weight: 0.01, log: true },
  { name: 'hyp/scale', fallback: 0.5, optimum: 0.6, weight: 0.12, log: false },
  { name: 'hyp/mixup', fallback: 0, optimum: 0.15, weight: 0.5, log: false },
];

/** The LR factor of epoch `e` (0-based) in a run of `epochs`: warm-up ramp, then YOLOv5's linear decay. */
export function lrFactor(e: number, epochs: number, warmupEpochs = 3): number {
  const decay = (1 - e / epochs) * (1 - LRF) + LRF;
  return e < warmupEpochs ? (decay * (e + 1)) / (warmupEpochs + 1) : decay;
}

/** Noise-free mAP_0.5:0.95 after epoch `e`; exported for tests and benches that need the truth. */
export function meanMap(params: Params, e: number, epochs: number): number {
  const p = read(params);
  const logRatio = Math.log(p.eff / EFF_PEAK);
  let penalty = logRatio > 0 ? 0.035 * logRatio ** 2 : 0.015 * logRatio ** 2;
  for (const d of PLATEAU) {
    const x = numberParam(params, d.name, d.fallback, 'learning-curve');
    const dist = d.log ? Math.log(Math.max(x, 1e-9) / d.optimum) : x - d.optimum;
    penalty += Math.min(d.weight * dist ** 2, 0.15);
  }
  const plateau = clamp(PLATEAU_MAX - penalty, 0.02, 0.95);
  const augSlowdown = 1.2 / (1 + 0.4 * p.scale + 0.8 * p.mixup);
  const speed = ((p.eff / 0.1) ** 0.35 / 4.5) * augSlowdown;
  let progress = 0;
  for (let i = 0; i <= e; i++) progress += lrFactor(i, epochs, p.warmup);
  const reached = 1 - Math.exp(-speed * progress);
  return plateau * reached ** 1.5;
}

function read(params: Params) {
  const lr0 = numberParam(params, 'hyp/lr0', 0.01, 'learning-curve');
  const momentum = clamp(numberParam(params, 'hyp/momentum', 0.937, 'learning-curve'), 0, 0.999);
  const scale = clamp(numberParam(params, 'hyp/scale', 0.5, 'learning-curve'), 0, 1);
  const mixup = clamp(numberParam(params, 'hyp/mixup', 0, 'learning-curve'), 0, 1);
  const warmup = Math.max(0, numberParam(params, 'hyp/warmup_epochs', 3, 'learning-curve'));
  return { lr0, scale, mixup, warmup, eff: Math.max(lr0, 1e-8) / (1 - momentum) };
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/** The learning-curve objective (see the file comment for the model). */
export const learningCurve: BuiltinObjective = {
  name: 'learning-curve',
  description: 'Synthetic YOLOv5-like run: mAP per epoch from lr0, momentum and 7 more hyps; high LR starts fast and plateaus low',
  defaults: {
    'hyp/lr0': 0.01,
    ...Object.fromEntries(PLATEAU.map((d) => [d.name, d.fallback])),
    'args/epochs': 30,
  },
  metric: 'metrics/mAP_0.5:0.95',
  direction: 'maximize',
  space: {
    'hyp/lr0': float(1e-4, 1e-1, { log: true }),
    'hyp/momentum': float(0.6, 0.98),
    'hyp/weight_decay': float(1e-5, 1e-2, { log: true }),
    'hyp/warmup_epochs': float(0, 5),
    'hyp/box': float(0.02, 0.2),
    'hyp/cls': float(0.2, 4, { log: true }),
    'hyp/obj': float(0.2, 4, { log: true }),
    'hyp/scale': float(0, 0.9),
    'hyp/mixup': float(0, 0.5),
  },
  epoch(params: Params, epoch: number, epochs: number, rng: Rng): Record<string, number> {
    const { lr0, eff, warmup } = read(params);
    const lr = lrFactor(epoch, epochs, warmup);
    const clean = meanMap(params, epoch, epochs);
    // Always three draws per epoch, so the rng stream advances the same way for every params.
    const zMap = normal(rng);
    const zTrain = normal(rng);
    const zVal = normal(rng);
    // Jitter scales with the level (an epoch-0 mAP of 0.003 does not jump by 0.01).
    const sd = (0.004 + 0.012 * Math.min(1, eff) * lr) * Math.min(1, 0.1 + clean / 0.3);
    const map = clamp(clean + sd * zMap, 0, 1);
    const fit = clamp(map / PLATEAU_MAX, 0, 1);
    return {
      'metrics/mAP_0.5:0.95': map,
      'metrics/mAP_0.5': clamp(1 - (1 - map) ** 1.6, 0, 1),
      'train/box_loss': Math.max(0.005, 0.11 - 0.07 * fit + 0.002 * zTrain),
      'val/box_loss': Math.max(0.005, 0.1 - 0.06 * fit + 0.003 * zVal),
      'x/lr0': lr0 * lr,
    };
  },
};

import { z } from 'zod';

const positiveInt = (field: string, min: number) =>
  z.number().int().min(min, { message: `${field} must be an integer >= ${min}` });

/** Options of the Gaussian-process strategy (defaults chosen by bench/strategies.ts). */
export const gpOptionsSchema = z.strictObject({
  type: z.literal('gp'),
  seed: z.number().int().optional(),
  /** Trials sampled before the model is used (random or Sobol, see `startup`). */
  nStartupTrials: positiveInt('nStartupTrials', 1).default(10),
  startup: z.enum(['random', 'sobol']).default('sobol'),
  /** Quasi-random points scored by log EI before local refinement. */
  sweep: positiveInt('sweep', 1).default(512),
  /** Best sweep points refined by a coordinate pattern search. */
  refineStarts: positiveInt('refineStarts', 1).default(4),
  /** Acquisition evaluations per refinement start. */
  refineEvals: positiveInt('refineEvals', 1).default(120),
  /** L-BFGS starts for the kernel hyperparameters (the prior mode plus prior draws). */
  fitRestarts: positiveInt('fitRestarts', 1).default(2),
  fitMaxIter: positiveInt('fitMaxIter', 1).default(60),
  /** Hyperparameters are fit on at most this many trials (the best half plus a seeded sample of the rest). */
  maxFitPoints: positiveInt('maxFitPoints', 10).default(100),
  /** Floor on the noise variance of standardized targets; raise it for noisy objectives. */
  minNoise: z.number().gt(0, { message: 'minNoise must be > 0' }).max(1, { message: 'minNoise must be <= 1' }).default(1e-6),
  /**
   * Monotone warp of the losses before standardizing: `log` maps y to log1p((y - min) / median gap),
   * which tames heavy right tails (Rosenbrock, diverged runs); `none` standardizes raw values.
   */
  outputWarp: z.enum(['none', 'log']).default('log'),
});

export type GpOptions = Omit<z.output<typeof gpOptionsSchema>, 'type' | 'seed'>;

export const GP_DEFAULTS: GpOptions = (() => {
  const { type: _t, seed: _s, ...rest } = gpOptionsSchema.parse({ type: 'gp' });
  return rest;
})();

import { z } from 'zod';

/**
 * Options of the TPE strategy. Defaults start from Optuna's published TPE defaults
 * (10 start-up trials, 24 candidates, good set min(ceil(0.1 n), 25), prior weight 1, magic clip,
 * recency weights) and change three things that bench/strategies.ts measured as better on
 * Branin, Hartmann-6 and Rosenbrock-4 (30 seeds x 100 trials while tuning, median regret at 100
 * trials, Optuna-defaults -> ours: 0.046 -> 0.013, 0.34 -> 0.16, 81 -> 32):
 * multivariate (joint) densities, Scott bandwidths from the good set's own spread, gamma 0.15,
 * and Sobol start-up points. `{ multivariate: false, gamma: 0.1, bandwidth: 'optuna',
 * startup: 'random' }` reproduces the Optuna baseline.
 */
export const tpeOptionsSchema = z.strictObject({
  type: z.literal('tpe'),
  seed: z.number().int().optional(),
  /** Trials sampled before the model is used (random or Sobol, see `startup`). */
  nStartupTrials: z.number().int().min(1, { message: 'nStartupTrials must be an integer >= 1' }).default(10),
  /** Candidates drawn from the good density; the one maximizing l(x) / g(x) is proposed. */
  nEiCandidates: z.number().int().min(1, { message: 'nEiCandidates must be an integer >= 1' }).default(24),
  /** Fraction of the ranked trials in the good set: n_good = min(ceil(gamma * n), maxGood). */
  gamma: z.number().gt(0, { message: 'gamma must be > 0 (a fraction of trials, e.g. 0.1)' }).max(1, { message: 'gamma must be <= 1' }).default(0.15),
  /** Upper bound on the size of the good set. */
  maxGood: z.number().int().min(1, { message: 'maxGood must be an integer >= 1' }).default(25),
  /** Weight of the prior kernel (uniform over the space) against each observation's weight 1. */
  priorWeight: z.number().gt(0, { message: 'priorWeight must be > 0' }).default(1),
  /** Clip bandwidths below at 1 / min(100, n + 1) of the range. */
  magicClip: z.boolean().default(true),
  /** Model the joint density of all params (true) or each param on its own (false). */
  multivariate: z.boolean().default(true),
  /**
   * Multivariate bandwidth rule: `optuna` (0.2 x range x n^(-1/(d+4))), `scott` (the good set's
   * spread) or `narrower` (the smaller of the two, per axis).
   */
  bandwidth: z.enum(['optuna', 'scott', 'narrower']).default('scott'),
  /**
   * How numeric kernels score candidates: `density` (the truncated normal's density) or `height`
   * (without each kernel's 1 / sigma, kernels compared by height-normalised value, as Optuna 3.1's
   * scoring effectively does). See parzen.ts.
   */
  kernelScore: z.enum(['density', 'height']).default('density'),
  /**
   * While other trials are running: `explore` (the default) switches multivariate TPE on an
   * all-numeric, non-conditional space to `WHILE_RUNNING_EXPLORE` (sampler.ts) until
   * `EXPLORE_UNTIL` results are in, so the asks of parallel workers spread out early in a study;
   * `same` keeps the settings above. With no running trial both are identical.
   */
  whileRunning: z.enum(['same', 'explore']).default('explore'),
  /** How start-up trials are drawn: uniform random or points of a shifted Sobol sequence. */
  startup: z.enum(['random', 'sobol']).default('sobol'),
  /**
   * Running trials join the bad set (constant liar), so parallel workers spread out. With 4
   * running (bench/strategies.ts protocol, 200 paired seeds, regret at 100), no liar, pending
   * kernels at the good set's bandwidth, and a penalty around pending points all landed within
   * seed noise of this rule (the penalty hurt Branin); so did (100 paired seeds) a believer that
   * ranks each running trial at its 3 nearest results' mean loss, and adding running trials to
   * both sets weighted by their odds of being good. The gap to sequential is information lag:
   * a sequential run that sees each result 3 trials late loses as much (Hartmann-6 0.27 vs 0.17).
   * Optuna 3.1's own constant liar loses about as much (`bench:strategies -- --optuna`).
   */
  constantLiar: z.boolean().default(true),
  /**
   * How pruned trials are ranked against complete ones for the good / bad split (`PrunedRule` in
   * ranking.ts). `last-value` stays the default: on bench/pruning.ts's crossing curves (25 seeds)
   * `same-epoch`, `epoch-rank`, `deepest` and `bad-only` moved epochs-to-equal-quality by no more
   * than seed noise, some rows better and some worse; with default pruners the complete trials
   * fill the good set, so the rule rarely matters.
   */
  prunedTrials: z.enum(['last-value', 'deepest', 'same-epoch', 'epoch-rank', 'bad-only']).default('last-value'),
});

export type TpeOptions = Omit<z.output<typeof tpeOptionsSchema>, 'type' | 'seed'>;

/** The defaults as one object, for code that builds a strategy without a config. */
export const TPE_DEFAULTS: TpeOptions = (() => {
  const { type: _t, seed: _s, ...rest } = tpeOptionsSchema.parse({ type: 'tpe' });
  return rest;
})();

/**
 * The TPE settings `auto` uses from 3 objectives (MOTPE). On DTLZ2 (6 dims, 3 objectives, median
 * hypervolume @50 / @100 over 10 seeds, contribution weights on) the TPE defaults gave
 * 0.36 / 0.55; univariate densities 0.42 / 0.58 (the front's position and its distance are set
 * by different params, which one joint kernel per trial ties together); a good set of 25 % instead
 * of 15 % (an m-objective front holds more of the trials) 0.45 / 0.60 (20 %: 0.48 / 0.62 and 30 %:
 * 0.46 / 0.62 with 20 start-up trials, 20 seeds); 20 Sobol start-up trials instead of 10
 * 0.48 / 0.63 over 20 seeds (30: 0.43 / 0.61). Optuna 3.1's MOTPE: 0.39 / 0.58 (10 seeds).
 * `type: 'tpe'` keeps the single-objective defaults.
 */
export const MOTPE_OPTIONS: Partial<TpeOptions> = { multivariate: false, gamma: 0.25, nStartupTrials: 20 };

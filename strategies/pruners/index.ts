import { z } from 'zod';
import type { Pruner } from '../../src/core/index.ts';
import { AshaPruner } from './asha.ts';
import { CurvePruner } from './curve.ts';
import { HyperbandPruner } from './hyperband.ts';
import { NonePruner } from './none.ts';
import { MedianPruner, PercentilePruner } from './percentile.ts';

/*
 * The pruner registry: one strict zod schema per pruner (a tagged union on `type`) and one factory.
 * Options are in epochs (0-based epoch index = report step). Defaults were chosen with
 * `npm run bench:pruning` so that a bare `{ type }` does not lose quality against no pruning at
 * equal compute on crossing learning curves (see the bench output and bench/pruning.ts).
 */

const count = (min: number) => z.number().int().min(min);

const percentileFields = {
  nStartupTrials: count(0).default(5),
  nWarmupEpochs: count(0).default(5),
  intervalEpochs: count(1).default(1),
  nMinTrials: count(1).default(1),
};

const noneOptionsSchema = z.strictObject({ type: z.literal('none') });

const medianOptionsSchema = z.strictObject({ type: z.literal('median'), ...percentileFields });

const percentileOptionsSchema = z.strictObject({
  type: z.literal('percentile'),
  percentile: z.number().min(0, { error: 'percentile must be between 0 and 100 (the top share kept, 25 keeps the best quarter)' }).max(100, {
    error: 'percentile must be between 0 and 100 (the top share kept, 25 keeps the best quarter)',
  }),
  ...percentileFields,
});

const reductionFactor = z.number().gt(1, { error: 'reductionFactor must be > 1: each rung keeps 1/reductionFactor of the trials (try 3)' });

const ashaOptionsSchema = z
  .strictObject({
    type: z.literal('asha'),
    minEpochs: count(1).default(2),
    reductionFactor: reductionFactor.default(2),
    minEarlyStoppingRate: count(0).default(0),
    bootstrapCount: count(0).default(0),
    maxEpochs: count(1).optional(),
  })
  .superRefine(checkEpochRange);

const hyperbandOptionsSchema = z
  .strictObject({
    type: z.literal('hyperband'),
    minEpochs: count(1).default(3),
    maxEpochs: z
      .number({ error: (iss) => (iss.input === undefined ? 'maxEpochs is required: the epochs of a full run (args/epochs)' : undefined) })
      .int()
      .min(1),
    reductionFactor: reductionFactor.default(3),
    bootstrapCount: count(0).default(0),
  })
  .superRefine(checkEpochRange);

const curveOptionsSchema = z
  .strictObject({
    type: z.literal('curve'),
    minEpochs: count(1).default(4),
    maxEpochs: count(1).optional(),
    nStartupTrials: count(1).default(5),
    confidence: z
      .number()
      .min(0, { error: 'confidence must be between 0 and 1 (the quantile of past prediction errors added before comparing; 1 adds the largest)' })
      .max(1, { error: 'confidence must be between 0 and 1 (the quantile of past prediction errors added before comparing; 1 adds the largest)' })
      .default(1),
    keepTop: z
      .number()
      .min(0, { error: 'keepTop must be between 0 and 1 (the share of finished trials a trial must be able to join; 0 compares with the best only)' })
      .max(1, { error: 'keepTop must be between 0 and 1 (the share of finished trials a trial must be able to join; 0 compares with the best only)' })
      .default(0.2),
  })
  .superRefine(checkEpochRange);

function checkEpochRange(o: { minEpochs: number; maxEpochs?: number }, ctx: z.RefinementCtx): void {
  if (o.maxEpochs !== undefined && o.minEpochs > o.maxEpochs) {
    ctx.addIssue({
      code: 'custom',
      path: ['minEpochs'],
      input: o.minEpochs,
      message: `minEpochs must be <= maxEpochs (${o.maxEpochs}): lower minEpochs or raise maxEpochs`,
    });
  }
}

const PRUNER_TYPES = ['none', 'median', 'percentile', 'asha', 'hyperband', 'curve'] as const;

/** Pruner config as written in `hpo.config.ts` / passed to `optimize()`. */
export const prunerSchema = z.discriminatedUnion(
  'type',
  [noneOptionsSchema, medianOptionsSchema, percentileOptionsSchema, ashaOptionsSchema, hyperbandOptionsSchema, curveOptionsSchema],
  {
    error: (iss) => {
      const type = (iss.input as { type?: unknown } | undefined)?.type;
      return `unknown pruner type ${JSON.stringify(type) ?? '(missing)'}: use one of ${PRUNER_TYPES.map((t) => `"${t}"`).join(', ')}`;
    },
  },
);

export type PrunerInput = z.input<typeof prunerSchema>;
export type PrunerOptions = z.output<typeof prunerSchema>;

/** Builds the pruner for parsed options. Pure: the instance holds only its options. */
export function createPruner(options: PrunerOptions): Pruner {
  switch (options.type) {
    case 'none':
      return new NonePruner();
    case 'median':
      return new MedianPruner(percentileArgs(options));
    case 'percentile':
      return new PercentilePruner({ percentile: options.percentile, ...percentileArgs(options) });
    case 'asha':
      return new AshaPruner(options);
    case 'hyperband':
      return new HyperbandPruner(options);
    case 'curve':
      return new CurvePruner(options);
  }
}

function percentileArgs(o: Omit<z.output<typeof medianOptionsSchema>, 'type'>) {
  return { nStartupTrials: o.nStartupTrials, nWarmupSteps: o.nWarmupEpochs, intervalSteps: o.intervalEpochs, nMinTrials: o.nMinTrials };
}

export { NonePruner, MedianPruner, PercentilePruner, AshaPruner, HyperbandPruner, CurvePruner };
export { extrapolate } from './curve-fit.ts';
export { halvingVerdict, isPromotable, rungEpochs, valueAtRung } from './successive-halving.ts';

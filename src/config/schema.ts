import os from 'node:os';
import { z } from 'zod';
import { QUEUE_NAME, QUEUE_NAME_RULE } from '../core/index.ts';
import { spaceSchema } from '../space/index.ts';
import { strategySchema } from '../../strategies/index.ts';
import { prunerSchema } from '../../strategies/pruners/index.ts';
import { durationSchema } from './duration.ts';

/** An objective every trial is ranked by. */
export const objectiveSchema = z.strictObject({
  /** A scalar name the trainer reports (YOLOv5 results.csv names). */
  metric: z.string().min(1).default('metrics/mAP_0.5:0.95'),
  direction: z.enum(['maximize', 'minimize']).default('maximize'),
  /** A trial's value: its last reported value (`last`) or its best over epochs (`best`). */
  mode: z.enum(['last', 'best']).default('last'),
});

/**
 * One objective, or 2-3 of them (a Pareto front is then the result): `[{ metric:
 * 'metrics/mAP_0.5:0.95', direction: 'maximize' }, { metric: 'x/latency_ms', direction: 'minimize' }]`.
 */
const objectiveListSchema = z
  .array(objectiveSchema)
  .min(1, { message: 'objective needs at least one entry' })
  .max(3, { message: 'at most 3 objectives are supported (hypervolume and fronts get costly and hard to read beyond that)' })
  .refine((list) => new Set(list.map((o) => o.metric)).size === list.length, { message: 'each objective needs its own metric' });

// Picks the schema by shape instead of a union, so a bad list reports its own issues (a union says only "Invalid input").
export const objectivesSchema = z.unknown().transform((value, ctx) => {
  const result = (Array.isArray(value) ? objectiveListSchema : objectiveSchema).safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  for (const issue of result.error.issues) ctx.addIssue({ ...issue } as never);
  return z.NEVER;
}) as unknown as z.ZodType<
  z.output<typeof objectiveSchema> | z.output<typeof objectiveListSchema>,
  z.input<typeof objectiveSchema> | z.input<typeof objectiveListSchema>
>;

/**
 * A limit on a reported metric (its value at the trial's end): `{ metric: 'x/latency_ms', max: 20 }`.
 * Trials that break one rank after every trial that keeps them all, and strategies steer away.
 */
export const constraintSchema = z
  .strictObject({
    metric: z.string().min(1),
    max: z.number().refine(Number.isFinite, { message: 'must be a finite number' }).optional(),
    min: z.number().refine(Number.isFinite, { message: 'must be a finite number' }).optional(),
  })
  .refine((c) => c.max !== undefined || c.min !== undefined, { message: 'a constraint needs max, min or both, e.g. { metric: "x/latency_ms", max: 20 }' })
  .refine((c) => c.max === undefined || c.min === undefined || c.min <= c.max, { message: 'min must be <= max', path: ['min'] });

export const budgetSchema = z
  .strictObject({
    /** Trials to run in all (interrupted trials do not count). */
    maxTrials: z.number().int().min(1, { message: 'maxTrials must be >= 1' }).default(20),
    /** Trials running at once. Default: one per CPU core (the TF.js WASM backend is single-threaded). */
    concurrency: z.number().int().min(1, { message: 'concurrency must be >= 1' }).default(Math.max(1, os.availableParallelism())),
    /** Wall time per trial before it is stopped and marked failed (`30m`, or seconds). */
    trialTimeout: durationSchema.optional(),
    /** Wall time of the whole study; running trials are stopped when it runs out. */
    totalTime: durationSchema.optional(),
    /** Epochs before any pruning (ClearML's min iteration per job). */
    minEpochs: z.number().int().min(0).default(0),
    /** Epochs per trial at most: sets the trainer's `args/epochs` when the template has it. */
    maxEpochs: z.number().int().min(1).optional(),
  })
  .refine((b) => b.maxEpochs === undefined || b.minEpochs <= b.maxEpochs, {
    message: 'minEpochs must be <= maxEpochs',
    path: ['minEpochs'],
  });

const queueName = z.string().regex(QUEUE_NAME, { message: QUEUE_NAME_RULE });

export const executionSchema = z.discriminatedUnion('type', [
  /** Each trial in a child process on this machine. */
  z.strictObject({ type: z.literal('local'), graceSeconds: z.number().min(0).default(10) }),
  /** Trials go to a BullMQ queue that `hpo agent` processes consume. */
  z.strictObject({
    type: z.literal('queue'),
    queue: queueName.default('default'),
    /** Queue for the controller itself with `hpo run --remote`. */
    controllerQueue: queueName.default('services'),
    /** The queue's Redis; default: --redis, $REDIS_URL, the store's URL, redis://127.0.0.1:6379. */
    redisUrl: z.string().regex(/^rediss?:\/\//, { message: 'expected a redis:// or rediss:// URL' }).optional(),
    /** Key prefix shared by controllers and agents. */
    prefix: z.string().optional(),
    graceSeconds: z.number().min(0).default(10),
  }),
]);

const studySchema = z.strictObject({
  /** Project the controller and its trials are filed under. */
  project: z.string().min(1).default('hpo'),
  /** Study name (the controller task's name). */
  name: z.string().min(1).optional(),
  /** Template task id to clone; `--template` overrides it. */
  template: z.string().optional(),
  space: spaceSchema,
  objective: objectivesSchema.prefault({}),
  constraints: z.array(constraintSchema).default([]),
  strategy: strategySchema.prefault({ type: 'auto' }),
  pruner: prunerSchema.prefault({ type: 'none' }),
  budget: budgetSchema.prefault({}),
  execution: executionSchema.prefault({ type: 'local' }),
  /** Task store: a folder (default `$HPO_HOME` or `.hpo/`) or a `redis://` URL. */
  store: z.string().optional(),
  /** Study seed: same seed, same suggestions. */
  seed: z.number().int().default(0),
});

/**
 * The config schema. Its output has `objectives` (every objective, in order) and `objective` (the
 * first), so single-objective code reads `objective` as before. Pruning with several objectives is
 * refused, as Optuna refuses it: a pruner compares one intermediate value against other trials'
 * values at the same step, and several objectives give no single value to compare.
 */
export const configSchema = studySchema
  .superRefine((c, ctx) => {
    const count = Array.isArray(c.objective) ? c.objective.length : 1;
    if (count > 1 && c.pruner.type !== 'none') {
      ctx.addIssue({
        code: 'custom',
        path: ['pruner', 'type'],
        input: c.pruner.type,
        message: `pruning needs a single objective, got ${count} objectives: a pruner compares one intermediate value per step and there is none to compare here (Optuna refuses this too); set pruner: { type: 'none' } or keep one objective`,
      });
    }
  })
  .transform(({ objective, ...rest }) => {
    const objectives = Array.isArray(objective) ? objective : [objective];
    return { ...rest, objective: objectives[0], objectives };
  });

export type ObjectiveConfig = z.output<typeof objectiveSchema>;
export type ConstraintConfig = z.output<typeof constraintSchema>;

/** What users write in hpo.config.ts (everything but `space` optional). */
export type UserConfig = z.input<typeof configSchema>;
/** The resolved config the engine runs: every default filled in. */
export type StudyConfig = z.output<typeof configSchema>;

import os from 'node:os';
import { z } from 'zod';
import { QUEUE_NAME, QUEUE_NAME_RULE } from '../core/index.ts';
import { isActive, spaceSchema } from '../space/index.ts';
import { strategySchema } from '../../strategies/index.ts';
import { prunerSchema } from '../../strategies/pruners/index.ts';
import { durationSchema } from './duration.ts';
import { autoscaleSchema } from './autoscale-schema.ts';

/** An objective every trial is ranked by. */
export const objectiveSchema = z.strictObject({
  /** A scalar name the trainer reports (YOLOv5 results.csv names). */
  metric: z.string().min(1).default('metrics/mAP_0.5:0.95'),
  direction: z.enum(['maximize', 'minimize']).default('maximize'),
  /** A trial's value: its last reported value (`last`) or its best over epochs (`best`). */
  mode: z.enum(['last', 'best']).default('last'),
});

/**
 * Several objectives (2-3; a Pareto front is then the result): `[{ metric: 'metrics/mAP_0.5:0.95',
 * direction: 'maximize' }, { metric: 'x/latency_ms', direction: 'minimize' }]`.
 */
const objectiveListSchema = z
  .array(objectiveSchema)
  .min(1, { message: 'objective needs at least one entry' })
  .max(3, { message: 'at most 3 objectives are supported (hypervolume and fronts get costly and hard to read beyond that)' })
  .refine((list) => new Set(list.map((o) => o.metric)).size === list.length, { message: 'each objective needs its own metric' });

/**
 * One objective or a list. Picked by shape rather than a union, so a bad list reports its own
 * issues (a union says only "Invalid input").
 */
export const objectivesSchema = z.unknown().transform((value, ctx) => {
  const result = (Array.isArray(value) ? objectiveListSchema : objectiveSchema).safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  for (const issue of result.error.issues) ctx.addIssue({ ...issue } as never);
  return z.NEVER;
}) as unknown as z.ZodType<ObjectiveConfig | ObjectiveConfig[], z.input<typeof objectiveSchema> | z.input<typeof objectiveSchema>[]>;

/**
 * A limit on a reported metric (its last value when the trial ends): `{ metric: 'x/latency_ms',
 * max: 20 }`. Trials that break one rank after every trial that keeps them all; strategies steer away.
 */
export const constraintSchema = z
  .strictObject({
    metric: z.string().min(1),
    max: z.number().refine(Number.isFinite, { message: 'must be a finite number' }).optional(),
    min: z.number().refine(Number.isFinite, { message: 'must be a finite number' }).optional(),
  })
  .refine((c) => c.max !== undefined || c.min !== undefined, { message: 'a constraint needs max, min or both, e.g. { metric: "x/latency_ms", max: 20 }' })
  .refine((c) => c.max === undefined || c.min === undefined || c.min <= c.max, { message: 'min must be <= max', path: ['min'] });

export type ObjectiveConfig = z.output<typeof objectiveSchema>;
export type ConstraintConfig = z.output<typeof constraintSchema>;

export const budgetSchema = z
  .strictObject({
    /** Trials to run in all (interrupted trials do not count). */
    maxTrials: z.number().int().min(1, { message: 'maxTrials must be >= 1' }).default(20),
    /** Trials running at once. Default: one per CPU core (the TF.js WASM backend is single-threaded). */
    concurrency: z.number().int().min(1, { message: 'concurrency must be >= 1' }).default(Math.max(1, os.availableParallelism())),
    /** Wall time per trial before it is stopped and marked failed (`30m`, or seconds). */
    trialTimeout: durationSchema.optional(),
    /** No report and no console output for this long: the trial is stopped with a `timeout` ending (a hung trainer). */
    stallTimeout: durationSchema.optional(),
    /** Wall time of the whole study; running trials are stopped when it runs out. */
    totalTime: durationSchema.optional(),
    /** Epochs before any pruning (ClearML's min iteration per job). */
    minEpochs: z.number().int().min(0).default(0),
    /** Epochs per trial at most: sets the trainer's `args/epochs` when the template has it. */
    maxEpochs: z.number().int().min(1).optional(),
    /**
     * Keep artifacts only on the k best finished trials (ClearML's save_top_k_tasks_only): a
     * finished trial that falls out of the top k loses its artifacts; its record says so.
     */
    keepTopK: z.number().int({ message: 'keepTopK must be an integer' }).min(1, { message: 'keepTopK must be >= 1 (trials whose artifacts are kept)' }).optional(),
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
  /** One objective, or a list of 2-3 (see objectivesSchema). */
  objective: objectivesSchema.prefault({}),
  /** Limits on reported metrics; infeasible trials rank last (see constraintSchema). */
  constraints: z.array(constraintSchema).default([]),
  /** Default `auto`: GP or TPE per ask, from the space, the history and the budget (strategies/auto.ts). */
  strategy: strategySchema.prefault({ type: 'auto' }),
  pruner: prunerSchema.prefault({ type: 'none' }),
  budget: budgetSchema.prefault({}),
  execution: executionSchema.prefault({ type: 'local' }),
  /** Task store: a folder (default `$HPO_HOME` or `.hpo/`) or a `redis://` URL. */
  store: z.string().optional(),
  /**
   * Artifact store for checkpoints, plots and dataset blobs: a folder, `file:///mnt/shared/hpo`,
   * `s3://bucket/prefix` or `redis://...`. Default: `<store>/artifacts`, or the Redis store's
   * Redis. `--artifacts` and HPO_ARTIFACTS win over it.
   */
  artifacts: z.string().min(1).optional(),
  /** Study seed: same seed, same suggestions. */
  seed: z.number().int().default(0),
  /** `hpo autoscale` options (see src/config/autoscale-schema.ts); studies ignore them. */
  autoscale: autoscaleSchema.optional(),
  /** Params to run first, in order (`--enqueue FILE.json` adds more); the strategy learns from them. */
  enqueue: z.array(z.record(z.string(), z.union([z.number(), z.string(), z.boolean()]))).optional(),
  /** A finished study's controller id: its completed trials (same space) seed this study's strategy. */
  warmStart: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { message: 'warmStart takes a controller task id' }).optional(),
});

/**
 * The config schema. Its output has `objectives` (every objective, in order) and `objective` (the
 * first), so single-objective code reads `objective` as before. Pruning with several objectives is
 * refused, as Optuna refuses it: a pruner compares one intermediate value per step against other
 * trials' values at that step, and several objectives give no single value to compare.
 */
export const configSchema = studySchema
  .superRefine((config, ctx) => {
    config.enqueue?.forEach((params, i) => {
      for (const [name, value] of Object.entries(params)) {
        const problem = enqueueProblem(config.space, name, value) ?? inactiveProblem(config.space, name, params);
        if (problem) ctx.addIssue({ code: 'custom', path: ['enqueue', i, name], message: problem, input: value });
      }
    });
    const count = Array.isArray(config.objective) ? config.objective.length : 1;
    if (count > 1 && config.pruner.type !== 'none') {
      ctx.addIssue({
        code: 'custom',
        path: ['pruner', 'type'],
        input: config.pruner.type,
        message: `pruning needs a single objective, got ${count} objectives: a pruner compares one intermediate value per step and there is none to compare here (Optuna refuses this too); set pruner: { type: 'none' } or keep one objective`,
      });
    }
  })
  .transform(({ objective, ...rest }) => {
    const objectives = Array.isArray(objective) ? objective : [objective];
    return { ...rest, objective: objectives[0], objectives };
  });

/** A list of params to run first, as `enqueue` and `--enqueue FILE.json` hold it. */
export const enqueueSchema = z.array(z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])), { message: 'expected an array of params objects, e.g. [{"hyp/lr0": 0.01}]' });

/** Why an enqueued value does not fit the space, or undefined when it does. */
export function enqueueProblem(space: z.output<typeof spaceSchema>, name: string, value: unknown): string | undefined {
  const dim = space[name];
  if (!dim) return `"${name}" is not a searched param; enqueue only params of \`space\` (${Object.keys(space).join(', ')})`;
  if (dim.type === 'categorical') return dim.choices.includes(value as never) ? undefined : `expected one of ${dim.choices.map((c) => JSON.stringify(c)).join(', ')}`;
  if (typeof value !== 'number' || value < dim.low || value > dim.high) return `expected a number in [${dim.low}, ${dim.high}]`;
  if (dim.type === 'int' && !Number.isInteger(value)) return 'expected an integer';
  return undefined;
}

/** An enqueued param its own params leave inactive (its parents are all given, and not as its `when` asks). */
function inactiveProblem(space: z.output<typeof spaceSchema>, name: string, params: Record<string, unknown>): string | undefined {
  const when = space[name]?.when;
  if (!when || !Object.keys(when).every((p) => p in params) || isActive(space, name, params as never)) return undefined;
  return `"${name}" is inactive for these params (it needs ${JSON.stringify(when)}); drop it from this entry or change its parents`;
}

/** What users write in hpo.config.ts (everything but `space` optional). */
export type UserConfig = z.input<typeof configSchema>;
/** The resolved config the engine runs: every default filled in. */
export type StudyConfig = z.output<typeof configSchema>;

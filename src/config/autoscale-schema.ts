import { z } from 'zod';
import { QUEUE_NAME, QUEUE_NAME_RULE } from '../core/index.ts';
import { durationSchema } from './duration.ts';

const queueName = z.string().regex(QUEUE_NAME, { message: QUEUE_NAME_RULE });
const argv = z.array(z.string()).min(1, { message: 'an argv needs at least the program, e.g. ["aws", "ec2", ...]' });

/** `hpo autoscale --provider local`: agents as processes on this machine. */
const localProviderSchema = z.strictObject({
  type: z.literal('local'),
  /** Folder for the agents' pid files and logs. Default `.hpo/agents` in the working directory. */
  dir: z.string().min(1).optional(),
  /** GPU ids; each agent gets one (`hpo agent --gpus <id>`). */
  gpus: z.array(z.string().regex(/^[A-Za-z0-9-]{1,64}$/, { message: 'GPU ids are indexes or UUIDs, e.g. "0"' })).optional(),
  /** More `hpo agent` flags, e.g. ['--lock-duration', '5000', '--in-process']. */
  agentArgs: z.array(z.string()).default([]),
});

/** `--provider command`: start / stop / list through the user's own commands (argv arrays, never a shell). */
const commandProviderSchema = z.strictObject({
  type: z.literal('command'),
  start: z.strictObject({ argv, idPath: z.string().default('id') }),
  stop: z.strictObject({ argv, forceArgv: argv.optional() }),
  list: z.strictObject({
    argv,
    itemsPath: z.string().default(''),
    idPath: z.string().default('id'),
    namePath: z.string().default('name'),
    startedAtPath: z.string().optional(),
  }),
  /** Longest a provider command may run. */
  timeout: durationSchema.prefault(120),
});

export const providerSchema = z.discriminatedUnion('type', [localProviderSchema, commandProviderSchema]);

/** The Kubernetes manifests `hpo autoscale --print-k8s` renders. */
export const k8sSchema = z.strictObject({
  image: z.string().min(1).default('hpo:latest'),
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: 'a Kubernetes namespace: lowercase letters, digits and "-"' }).optional(),
  /** GPUs each agent pod asks for (`nvidia.com/gpu`); 0 for CPU agents. */
  gpusPerPod: z.number().int().min(0).default(1),
  /** The store agents use (a redis:// URL); default the autoscaler's store. */
  store: z.string().optional(),
  /** A Secret holding the Redis password (key `password`), for agents and KEDA. */
  redisSecret: z.string().optional(),
  pollingInterval: z.number().int().min(1).default(15),
});

/**
 * `autoscale: {...}` in hpo.config.ts: what `hpo autoscale` flags can also say. Durations as
 * seconds or text ('5m'); all parsed to milliseconds.
 */
export const autoscaleSchema = z
  .strictObject({
    queues: z.array(queueName).min(1, { message: 'at least one queue, e.g. ["gpu"]' }).default(['default']),
    min: z.number().int().min(0, { message: 'min must be >= 0' }).default(0),
    max: z.number().int().min(1, { message: 'max must be >= 1' }).default(4),
    idle: durationSchema.prefault(300),
    budget: durationSchema.optional(),
    cooldown: durationSchema.prefault(30),
    bootTimeout: durationSchema.prefault(600),
    /** An agent seen and then silent this long is dead (its presence record expires after about 6 s). */
    lostAfter: durationSchema.prefault(20),
    stopTimeout: durationSchema.prefault(120),
    /** Trial slots per instance (the agents' concurrency). */
    slots: z.number().int().min(1).default(1),
    /** How often queues, agents and the provider are read. */
    poll: durationSchema.prefault(5),
    provider: providerSchema.prefault({ type: 'local' }),
    redisUrl: z.string().regex(/^rediss?:\/\//, { message: 'expected a redis:// or rediss:// URL' }).optional(),
    prefix: z.string().optional(),
    k8s: k8sSchema.prefault({}),
  })
  .superRefine((a, ctx) => {
    if (a.min > a.max) ctx.addIssue({ code: 'custom', message: `min must be <= max (max is ${a.max})`, path: ['min'], input: a.min });
  })
  .refine((a) => a.provider.type !== 'local' || !a.provider.gpus || a.max <= a.provider.gpus.length, {
    message: 'max must be <= the number of provider.gpus: each local agent takes one GPU',
    path: ['max'],
  });

export type AutoscaleConfig = z.output<typeof autoscaleSchema>;
export type UserAutoscaleConfig = z.input<typeof autoscaleSchema>;

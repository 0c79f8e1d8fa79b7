import { z } from 'zod';
import type { Space } from '../core/index.ts';
import { conditionIssues } from './conditions.ts';
import { contains } from './transform.ts';

const paramValue = z.union([z.number(), z.string(), z.boolean()]);
/** `{ 'args/optimizer': 'SGD' }` or `{ 'args/optimizer': ['Adam', 'AdamW'] }`. */
const conditionSchema = z.record(z.string(), z.union([paramValue, z.array(paramValue).min(1, { message: 'a condition needs at least one value' }).readonly()])).optional();

const finite = z.number().refine(Number.isFinite, { message: 'must be a finite number' });

const floatSchema = z
  .strictObject({ type: z.literal('float'), low: finite, high: finite, log: z.boolean().default(false), step: z.number().positive().optional(), when: conditionSchema })
  .superRefine(checkBounds);

const intSchema = z
  .strictObject({
    type: z.literal('int'),
    low: z.number().int(),
    high: z.number().int(),
    log: z.boolean().default(false),
    step: z.number().int().positive().default(1),
    when: conditionSchema,
  })
  .superRefine(checkBounds);

const categoricalSchema = z.strictObject({
  type: z.literal('categorical'),
  choices: z
    .array(z.union([z.number(), z.string(), z.boolean()]))
    .min(1, { message: 'categorical needs at least one choice, got an empty list' })
    .readonly(),
  when: conditionSchema,
});

function checkBounds(d: { low: number; high: number; log: boolean; step?: number }, ctx: z.RefinementCtx): void {
  if (!(d.low < d.high)) {
    ctx.addIssue({ code: 'custom', path: ['low'], message: `low must be < high, got low=${d.low} high=${d.high}` });
  }
  if (d.log && d.low <= 0) {
    ctx.addIssue({ code: 'custom', path: ['low'], message: `log scale needs low > 0, got low=${d.low}` });
  }
  if (d.log && d.step !== undefined && d.step !== 1) {
    ctx.addIssue({ code: 'custom', path: ['step'], message: `step and log cannot be combined, got step=${d.step}` });
  }
}

export const dimensionSchema = z.discriminatedUnion('type', [floatSchema, intSchema, categoricalSchema]);

/** Param names are `section/name` (YOLOv5 style) or a plain identifier for in-process studies. */
export const paramNameSchema = z
  .string()
  .regex(/^[A-Za-z_][\w.-]*(\/[A-Za-z_][\w.-]*)?$/, { message: 'param names look like "hyp/lr0" or "lr0"' });

export const spaceSchema = z
  .record(paramNameSchema, dimensionSchema)
  .refine((s) => Object.keys(s).length > 0, { message: 'the search space is empty: add at least one param' })
  .superRefine((s, ctx) => {
    for (const issue of conditionIssues(s as Space, contains)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message, input: issue.input });
  });

/** Validates a space; throws a ZodError. Callers at the boundary turn it into a ConfigError. */
export function parseSpace(input: unknown): Space {
  return spaceSchema.parse(input) as Space;
}

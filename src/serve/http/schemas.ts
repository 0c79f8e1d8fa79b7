/**
 * The API's inputs as zod schemas (query options, JSON bodies), and the one function that turns
 * a failed parse into a 400 naming the field, the value received and the fix.
 */
import { z } from 'zod';
import { formatIssues } from '../../core/index.ts';
import { ServeError } from '../errors.ts';

const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')]);
const num = (lo: number, hi: number) => z.coerce.number({ message: 'expected a number' }).min(lo).max(hi);

/** Detection options, from the query string, multipart fields or a JSON body. */
export const optionsSchema = z.strictObject({
  conf: num(0, 1).default(0.25),
  iou: num(0, 1).default(0.45),
  max_det: z.coerce.number({ message: 'expected an integer' }).int().min(1).max(10000).default(300),
  size: z.coerce.number({ message: 'expected an integer' }).int().min(32).max(1280)
    .refine((v) => v % 32 === 0, { message: 'must be a multiple of 32 (the largest stride)' }).optional(),
  multi_label: bool.default(false),
  agnostic: bool.default(false),
});

/** Parsed detection options. */
export type PredictOptions = z.output<typeof optionsSchema>;

const base64Image = z.string().min(1, { message: 'empty image' })
  .transform((s) => s.replace(/^data:[^,]*;base64,/, ''))
  .refine((s) => /^[A-Za-z0-9+/_-]+={0,2}$/.test(s), { message: 'not base64 (A-Z a-z 0-9 + / with = padding, or a data: URL)' });

/** `application/json` predict body: base64 images (or data: URLs) and the options. */
export const jsonPredictSchema = optionsSchema.extend({
  images: z.array(z.union([base64Image, z.strictObject({ data: base64Image })])).min(1, { message: 'send at least one image' }),
});

/** POST /v1/models/:name/versions */
export const versionBodySchema = z.strictObject({
  task: z.string().min(1, { message: 'a task id (or a study controller id) is required' }),
  traffic: z.number().min(0).max(1).default(1),
});

/** POST /v1/models/:name/promote */
export const promoteBodySchema = z.strictObject({ version: z.string().min(1).optional() });

/** A bad request: HTTP 400 with the zod issues formatted. */
export class BadRequestError extends ServeError {
  readonly statusCode = 400;
  constructor(message: string) {
    super('SERVE_BAD_REQUEST', message);
    this.name = 'BadRequestError';
  }
}

/** Parses `input` or throws a 400 naming what is wrong in `source`. */
export function parseRequest<S extends z.ZodType>(schema: S, input: unknown, source: string): z.output<S> {
  const result = schema.safeParse(input ?? {}, { reportInput: true });
  if (!result.success) throw new BadRequestError(formatIssues(result.error.issues, source));
  return result.data;
}

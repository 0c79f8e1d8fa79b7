import { z } from 'zod';

/**
 * The messages between a controller (or agent) and its trial child processes, over Node's IPC
 * channel. One schema per direction, parsed on receipt: a malformed message is dropped, never
 * trusted. Parent -> child: `run` (a spare child's task), `stop` (end at the next epoch boundary
 * with this ending). Child -> parent: `idle` (a spare is loaded and waits for `run`), `started`,
 * `report` (one epoch's scalars, already in the store), `finished`.
 */
const stopKind = z.enum(['pruned', 'stopped', 'interrupted', 'timeout']);
const endingSchema = z.object({ kind: z.enum(['completed', 'pruned', 'failed', 'timeout', 'interrupted', 'stopped']), reason: z.string() });

export const toChildSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('run'), taskId: z.string() }),
  z.object({ type: z.literal('stop'), ending: z.object({ kind: stopKind, reason: z.string() }) }),
]);

export const toParentSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('idle') }),
  z.object({ type: z.literal('started') }),
  z.object({
    type: z.literal('report'),
    step: z.number().int().min(0),
    // IPC is JSON: a non-finite value arrives as null; the store holds the real one.
    scalars: z.record(z.string(), z.number().nullable()).transform((s) => Object.fromEntries(Object.entries(s).filter(([, v]) => v !== null)) as Record<string, number>),
  }),
  z.object({
    type: z.literal('finished'),
    outcome: z.object({ status: z.enum(['completed', 'failed', 'stopped']), ending: endingSchema, reason: z.string().optional() }),
  }),
]);

export type ToChild = z.output<typeof toChildSchema>;
export type ToParent = z.output<typeof toParentSchema>;

/** The message, or undefined when it is not one of ours. */
export function parseToChild(message: unknown): ToChild | undefined {
  const parsed = toChildSchema.safeParse(message);
  return parsed.success ? parsed.data : undefined;
}

/** The message, or undefined when it is not one of ours. */
export function parseToParent(message: unknown): ToParent | undefined {
  const parsed = toParentSchema.safeParse(message);
  return parsed.success ? parsed.data : undefined;
}

/** The performance mark a spare child sets when its `run` arrives: bench:trial-startup times the hand-over from it. */
export const TASK_ASSIGNED_MARK = 'hpo:task-assigned';

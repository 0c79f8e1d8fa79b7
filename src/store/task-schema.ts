import { z } from 'zod';
import { TASK_TYPES, TRANSITIONS, type TaskStatus } from '../core/index.ts';

/**
 * The shape of a stored task record and of a journal line, checked whenever one is read back
 * (a snapshot, a journal replay): a record of the wrong shape is damage, never a crash later.
 */
const status = z.enum(Object.keys(TRANSITIONS) as [TaskStatus, ...TaskStatus[]]);

export const taskRecordSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  project: z.string(),
  type: z.enum(TASK_TYPES),
  status,
  statusReason: z.string().optional(),
  parent: z.string().optional(),
  trainer: z.looseObject({ type: z.string() }),
  params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  tags: z.array(z.string()),
  artifacts: z.record(z.string(), z.unknown()),
  artifactsDeleted: z.looseObject({ at: z.number(), reason: z.string(), names: z.array(z.string()) }).optional(),
  dataset: z.looseObject({ uri: z.string(), id: z.string(), contentHash: z.string() }).optional(),
  createdAt: z.number(),
  updatedAt: z.number(),
  startedAt: z.number().optional(),
  finishedAt: z.number().optional(),
  heartbeatAt: z.number().optional(),
  interrupted: z.boolean().optional(),
  ending: z.looseObject({ kind: z.string(), reason: z.string() }).optional(),
  stopRequest: z.looseObject({ at: z.number(), reason: z.string() }).optional(),
  lease: z.looseObject({ owner: z.string(), expiresAt: z.number() }).optional(),
});

/** One journal line: `{"seq":12,"set":{...},"unset":[...]}` (see task-folder.ts). */
export const journalEntrySchema = z.strictObject({
  seq: z.number().int().min(1),
  set: z.record(z.string(), z.unknown()),
  unset: z.array(z.string()),
});

/** The first problem zod found, as `field: message` for a status reason. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || '(record)'}: ${issue.message}` : 'invalid';
}

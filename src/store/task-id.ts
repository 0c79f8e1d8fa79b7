import { randomBytes } from 'node:crypto';
import { InvalidTaskIdError } from '../core/index.ts';
import { InvalidArtifactNameError } from './errors.ts';

const TASK_ID = /^[A-Za-z0-9_-]{1,64}$/;
const ARTIFACT_SEGMENT = /^[A-Za-z0-9._-]{1,128}$/;
const MAX_ARTIFACT_DEPTH = 4;
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** True when `id` is a well-formed task id (safe to use as a path segment or key part). */
export function isTaskId(id: unknown): id is string {
  return typeof id === 'string' && TASK_ID.test(id);
}

/**
 * Throws InvalidTaskIdError unless `id` is 1-64 characters of [A-Za-z0-9_-]. Every store
 * method calls this first, so `/` and `..` never reach a path or a key.
 */
export function assertTaskId(id: unknown): asserts id is string {
  if (!isTaskId(id)) throw new InvalidTaskIdError(String(id));
}

/**
 * Throws InvalidArtifactNameError unless `name` is a relative path of 1-4 plain segments
 * (`best.bin`, `plots/labels.jpg`, `debug/epoch9/val_batch0_pred.jpg`): no empty, `.` or `..`
 * segment, no leading `/`, so a name never leaves the task's own folder or key space.
 */
export function assertArtifactName(name: unknown): asserts name is string {
  const segments = typeof name === 'string' ? name.split('/') : [];
  const plain = (s: string) => ARTIFACT_SEGMENT.test(s) && s !== '.' && s !== '..';
  if (segments.length === 0 || segments.length > MAX_ARTIFACT_DEPTH || !segments.every(plain)) {
    throw new InvalidArtifactNameError(String(name));
  }
}

/**
 * A new task id: 8 base36 characters of `nowMs` (sortable by creation time until 2059) then
 * 6 random ones, 14 characters of [a-z0-9]. Random, not a counter, so ids from many
 * processes do not collide; backends still refuse to overwrite an existing id.
 */
export function newTaskId(nowMs: number): string {
  const time = Math.max(0, Math.floor(nowMs)).toString(36).padStart(8, '0').slice(-8);
  const bytes = randomBytes(6);
  let suffix = '';
  for (const b of bytes) suffix += ALPHABET[b % 36];
  return time + suffix;
}

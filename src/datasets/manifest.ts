import { createHash, randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { z } from 'zod';
import { unsafePath } from './errors.ts';

const SHA256 = z.string().regex(/^[0-9a-f]{64}$/);

export const datasetFileSchema = z.strictObject({
  path: z.string().min(1),
  sha256: SHA256,
  size: z.number().int().min(0),
  /** Drafts only: the local file this entry uploads from at close. */
  source: z.string().optional(),
});

/** One dataset version as stored (`datasets/<id>.json` in the artifact store), parsed at read. */
export const datasetVersionSchema = z.strictObject({
  id: z.string().regex(/^ds-[a-z0-9]{14}$/),
  project: z.string().min(1),
  name: z.string().min(1),
  parent: z.string().optional(),
  state: z.enum(['draft', 'closed']),
  createdAt: z.number(),
  closedAt: z.number().optional(),
  /** The YOLO data yaml inside the version (checked at close). */
  yaml: z.string().optional(),
  /** sha256 over every (path, sha256, size): equal manifests, equal hash. */
  contentHash: z.string().optional(),
  files: z.array(datasetFileSchema),
});

export type DatasetFile = z.output<typeof datasetFileSchema>;
export type DatasetVersion = z.output<typeof datasetVersionSchema>;

/** The artifact key of a version's record. */
export const versionKey = (id: string): string => `datasets/${id}.json`;
/** The artifact key of a content-addressed blob. */
export const blobKey = (sha256: string): string => `blobs/sha256/${sha256.slice(0, 2)}/${sha256}`;

/** A new version id: `ds-` then 8 base36 characters of the time and 6 random ones. */
export function newDatasetId(nowMs: number = Date.now()): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
  let suffix = '';
  for (const b of randomBytes(6)) suffix += alphabet[b % 36];
  return `ds-${Math.floor(nowMs).toString(36).padStart(8, '0').slice(-8)}${suffix}`;
}

/** sha256 over the sorted manifest lines `path\0sha256\0size\n`. */
export function contentHash(files: readonly DatasetFile[]): string {
  const hash = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : 1))) hash.update(`${f.path}\0${f.sha256}\0${f.size}\n`);
  return hash.digest('hex');
}

/** Throws DATASET_PATH_INVALID unless `path` is relative, "/"-separated and free of "."/".." segments. */
export function assertDatasetPath(path: string): void {
  if (path === '' ) throw unsafePath(path, 'it is empty');
  if (path.includes('\\')) throw unsafePath(path, 'it contains "\\"');
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) throw unsafePath(path, 'it is absolute');
  if (path.includes('\0')) throw unsafePath(path, 'it contains a NUL byte');
  for (const segment of path.split('/')) {
    if (segment === '..') throw unsafePath(path, 'it has a ".." segment');
    if (segment === '.' || segment === '') throw unsafePath(path, 'it has an empty or "." segment');
  }
  if (posix.normalize(path) !== path) throw unsafePath(path, 'it is not normalized');
}

/** Added / removed / modified paths of `files` against `parent`. */
export function diffManifests(files: readonly DatasetFile[], parent: readonly DatasetFile[]): { added: string[]; removed: string[]; modified: string[]; unchanged: number } {
  const before = new Map(parent.map((f) => [f.path, f.sha256]));
  const after = new Set(files.map((f) => f.path));
  const added: string[] = [];
  const modified: string[] = [];
  let unchanged = 0;
  for (const f of files) {
    const old = before.get(f.path);
    if (old === undefined) added.push(f.path);
    else if (old !== f.sha256) modified.push(f.path);
    else unchanged++;
  }
  const removed = parent.filter((f) => !after.has(f.path)).map((f) => f.path);
  return { added, removed, modified, unchanged };
}

/** `*`, `**` and `?` globs over "/"-separated paths, as a RegExp. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      out += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

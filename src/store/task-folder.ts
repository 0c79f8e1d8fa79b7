import { existsSync, appendFileSync, closeSync, fstatSync, mkdirSync, openSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Task } from '../core/index.ts';
import { writeFileAtomic } from './atomic-file.ts';
import { DAMAGED_REASON, parseSnapshot, recoveredTask, serializeTask } from './task-record.ts';
import { firstIssue, journalEntrySchema, taskRecordSchema } from './task-schema.ts';

/**
 * One task's record on disk: a snapshot `task.json` (written atomically, rarely) plus an
 * append-only journal `task.jsonl` of changes since it, Optuna-journal style. A change costs
 * one O_APPEND write (~10-20 us) instead of a new file and a rename (0.5-2 ms on a busy ext4).
 *
 * Journal line: `{"seq":12,"set":{"status":"running","startedAt":...},"unset":["statusReason"]}`.
 * The snapshot's `$seq` is the last entry it includes; entries up to it are skipped. Every
 * COMPACT_AFTER entries the writer folds the journal into a new snapshot (keeping the old one
 * as `task.prev.json`, a hard link) and truncates the journal. All writes happen under the
 * task's lock; readers take no lock (see `loadTask` for how they stay consistent).
 */

export const SNAPSHOT = 'task.json';
export const PREVIOUS = 'task.prev.json';
export const JOURNAL = 'task.jsonl';
const COMPACT_AFTER = 64;

export interface LoadedTask {
  task: Task;
  /** Last journal entry applied. */
  seq: number;
  /** Journal entries applied on top of the snapshot (compaction trigger). */
  pending: number;
  /** The snapshot was unreadable and `task` is a recovered record. */
  damaged: boolean;
}

/**
 * Reads a task: snapshot, then the journal entries after it. A compaction can rename a new
 * snapshot and truncate the journal between those two reads; the snapshot's inode is checked
 * again afterwards and the read retried, so a reader never sees a state older than one it
 * could have seen before. Returns undefined when the task folder does not exist.
 */
export function loadTask(dir: string, id: string): LoadedTask | undefined {
  for (let attempt = 0; ; attempt++) {
    const snapshot = readWithIdentity(join(dir, SNAPSHOT));
    if (snapshot === undefined && !existsSync(dir)) return undefined;
    const journal = readOptional(join(dir, JOURNAL));
    if (attempt < 10 && snapshot !== undefined && identity(join(dir, SNAPSHOT)) !== snapshot.identity) continue;
    const parsed = parseSnapshot(snapshot?.text ?? '', id);
    if (!parsed) {
      const task = recover(dir, id, snapshot?.text ?? '');
      return { task, seq: Math.max(lastSeq(journal), 0), pending: 0, damaged: true };
    }
    const { task, seq, pending, problem } = replay(parsed.task, parsed.seq, journal);
    if (problem) return { task: damagedByJournal(task, problem), seq: Math.max(seq, lastSeq(journal)), pending, damaged: true };
    return { task, seq, pending, damaged: false };
  }
}

/**
 * Parsed records of task folders that have not changed since they were read, for `list`: a UI
 * or controller that lists thousands of tasks every half second would otherwise re-read and
 * re-validate every record each time (about 0.1 ms a task). A folder's key is its snapshot's
 * inode, change time and size and its journal's size and change time: every write changes one
 * (appends grow the journal; a new snapshot is a rename, so a new inode). The key is taken
 * before and after a read and the record kept only when both agree, so a write racing the
 * read is never cached. Damaged records are not kept. Each caller gets its own copy.
 */
export class UnchangedTaskCache {
  private readonly entries = new Map<string, { key: string; task: Task }>();

  load(dir: string, id: string): Task | undefined {
    const key = folderKey(dir);
    const hit = key === undefined ? undefined : this.entries.get(id);
    if (hit && hit.key === key) return structuredClone(hit.task);
    const loaded = loadTask(dir, id);
    if (!loaded) {
      this.entries.delete(id);
      return undefined;
    }
    if (key !== undefined && !loaded.damaged && folderKey(dir) === key) this.entries.set(id, { key, task: structuredClone(loaded.task) });
    else this.entries.delete(id);
    return loaded.task;
  }

  /** Forgets folders that no longer exist (a deleted task). */
  keepOnly(ids: ReadonlySet<string>): void {
    for (const id of this.entries.keys()) if (!ids.has(id)) this.entries.delete(id);
  }
}

function folderKey(dir: string): string | undefined {
  try {
    const snapshot = statSync(join(dir, SNAPSHOT));
    const journal = statSync(join(dir, JOURNAL), { throwIfNoEntry: false });
    return `${snapshot.ino}:${snapshot.ctimeMs}:${snapshot.size}|${journal ? `${journal.size}:${journal.ctimeMs}` : '-'}`;
  } catch {
    return undefined; // no snapshot: loadTask decides what that means
  }
}

/**
 * Records `next` as the new state of a task loaded with `loadTask` (caller holds the lock):
 * one journal entry, or a fresh snapshot when the journal is long or the snapshot damaged.
 */
export async function saveTask(dir: string, loaded: LoadedTask, next: Task, durable: boolean): Promise<void> {
  const seq = loaded.seq + 1;
  if (loaded.damaged || loaded.pending + 1 >= COMPACT_AFTER) {
    // Keep the current snapshot as the last good one, unless it is the damaged one.
    await writeFileAtomic(dir, SNAPSHOT, serializeTask(next, seq), { durable, keepPreviousAs: loaded.damaged ? undefined : PREVIOUS });
    // A crash before this truncate leaves entries <= seq, which readers skip.
    try {
      truncateSync(join(dir, JOURNAL), 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return;
  }
  const set: Record<string, unknown> = {};
  const unset: string[] = [];
  const before = loaded.task as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(next)) if (value !== before[key] && value !== undefined) set[key] = value;
  for (const key of Object.keys(before)) if ((next as unknown as Record<string, unknown>)[key] === undefined) unset.push(key);
  appendFileSync(join(dir, JOURNAL), `${JSON.stringify({ seq, set, unset })}\n`);
}

/**
 * Writes the first snapshot of a new task into `dir`, a staging folder nobody reads yet. Not
 * synced: on this project's disks an fdatasync of a new file costs 5-20 ms, more than the
 * whole per-trial budget. A kill -9 cannot hurt it (the page cache survives the process); an
 * OS crash may lose the task or leave its snapshot empty, which then reads as interrupted.
 */
export function writeNewTask(dir: string, task: Task): void {
  mkdirSync(dir);
  writeFileSync(join(dir, SNAPSHOT), serializeTask(task, 0), { flag: 'wx' });
}

/**
 * Applies the journal entries after `snapshotSeq`. A torn line (a kill -9 mid-append: not JSON)
 * is skipped silently, as before. A line of the wrong shape, or one whose change would leave a
 * record of the wrong shape, is skipped and named in `problem`: the task then reads as damaged.
 */
function replay(task: Task, snapshotSeq: number, journal: string): { task: Task; seq: number; pending: number; problem?: string } {
  let seq = snapshotSeq;
  let pending = 0;
  let problem: string | undefined;
  let record = task as unknown as Record<string, unknown>;
  const lines = journal.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const entry = parseEntry(lines[i]);
    if (entry === undefined) continue;
    if ('problem' in entry) {
      problem ??= `line ${i + 1} of ${JOURNAL}: ${entry.problem}`;
      continue;
    }
    if (entry.seq <= seq) continue;
    const next = { ...record, ...entry.set };
    for (const key of entry.unset) delete next[key];
    const checked = taskRecordSchema.safeParse(next);
    if (!checked.success) {
      problem ??= `line ${i + 1} of ${JOURNAL}: ${firstIssue(checked.error)}`;
      continue;
    }
    record = next;
    seq = entry.seq;
    pending++;
  }
  return { task: record as unknown as Task, seq, pending, problem };
}

/** A task whose journal had a bad line: its last good state, flagged like a damaged snapshot. */
function damagedByJournal(task: Task, problem: string): Task {
  return { ...task, status: 'failed', statusReason: `${DAMAGED_REASON} (${problem}; skipped)`, interrupted: true };
}

interface Entry {
  seq: number;
  set: Record<string, unknown>;
  unset: string[];
}

/** undefined for an empty or torn line; `{ problem }` for JSON of the wrong shape. */
function parseEntry(line: string): Entry | { problem: string } | undefined {
  if (line === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const parsed = journalEntrySchema.safeParse(value);
  if (!parsed.success) return { problem: firstIssue(parsed.error) };
  // `id` names the folder; an entry may never change it.
  delete parsed.data.set.id;
  return parsed.data;
}

function lastSeq(journal: string): number {
  let seq = 0;
  for (const line of journal.split('\n')) {
    const entry = parseEntry(line);
    if (entry && 'seq' in entry) seq = Math.max(seq, entry.seq);
  }
  return seq;
}

function recover(dir: string, id: string, damagedText: string): Task {
  let previous: Task | undefined;
  try {
    previous = parseSnapshot(readFileSync(join(dir, PREVIOUS), 'utf8'), id)?.task;
  } catch {
    previous = undefined;
  }
  const stat = statSync(dir);
  // Artifact references live in the record (the bytes in the artifact store): a record lost
  // whole loses them, and `hpo gc` reclaims the bytes no record names.
  return recoveredTask(id, damagedText, previous, { createdAt: Math.floor(stat.birthtimeMs || stat.mtimeMs) });
}

function readWithIdentity(path: string): { text: string; identity: string } | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const stat = fstatSync(fd);
    return { text: readFileSync(fd, 'utf8'), identity: `${stat.ino}:${stat.ctimeMs}` };
  } finally {
    closeSync(fd);
  }
}

function identity(path: string): string | undefined {
  try {
    const stat = statSync(path);
    return `${stat.ino}:${stat.ctimeMs}`;
  } catch {
    return undefined;
  }
}

function readOptional(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}


import { appendFileSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { cloneInput, newTaskRecord, type CloneOverrides } from './new-task.ts';
import { compareTasks, matchesFilter } from './list-filter.ts';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  TaskNotFoundError,
  systemClock,
  type ArtifactRef,
  type Clock,
  type LeaseRequest,
  type ListFilter,
  type StopKind,
  type NewTask,
  type ScalarSeries,
  type Task,
  type TaskPatch,
  type TaskStatus,
  type TaskStore,
} from '../core/index.ts';
import { withFileLock, type LockOptions } from './file-lock.ts';
import { assertScalarReport, encodeScalarLine, parseScalarLines } from './scalar-lines.ts';
import { loadTask, saveTask, UnchangedTaskCache, writeNewTask, type LoadedTask } from './task-folder.ts';
import { assertArtifactName, assertTaskId, isTaskId, newTaskId } from './task-id.ts';
import { applyArtifactRef, applyForgetArtifacts, applyPatch, applyStatus, applyStopRequest, type StatusOptions } from './transition.ts';
import { applyAcquireLease, applyReleaseLease, applyRenewLease } from './lease.ts';

export interface FileTaskStoreOptions {
  /** The store folder (`.hpo/` or `$HPO_HOME`); created on first write. */
  root: string;
  clock?: Clock;
  /**
   * fdatasync each compacted snapshot before its rename, so it survives an OS
   * crash, not only kill -9. Journal entries, scalars, logs and new tasks are never synced
   * (see task-folder.ts for why). Default true.
   */
  durable?: boolean;
  /** A task lock untouched this long is broken even if its holder's pid is alive. Default 30 s. */
  lockStaleMs?: number;
}


/**
 * The embedded task store: one folder per task under `<root>/tasks/<id>/` holding the record
 * (`task.json` snapshot + `task.jsonl` change journal, see task-folder.ts), append-only
 * `scalars.jsonl` and `log.txt`; artifact bytes live in an artifact store (src/artifacts), only
 * their references in the record. Safe for several processes on one machine:
 * read-modify-write calls hold a per-task lock file, appends are single O_APPEND writes, and a
 * kill -9 at any point leaves every task readable (a damaged snapshot reads as `interrupted`).
 */
export class FileTaskStore implements TaskStore {
  readonly root: string;
  readonly location: string;
  private readonly tasksDir: string;
  private readonly clock: Clock;
  private readonly durable: boolean;
  private readonly lockOptions: LockOptions;
  private tasksDirReady = false;
  /** `list` re-reads only the folders that changed since its last call. */
  private readonly unchanged = new UnchangedTaskCache();

  constructor(options: FileTaskStoreOptions) {
    this.root = resolve(options.root);
    this.tasksDir = join(this.root, 'tasks');
    this.location = `file store ${this.root}`;
    this.clock = options.clock ?? systemClock;
    this.durable = options.durable ?? true;
    this.lockOptions = { ownerDir: join(this.root, 'locks'), staleMs: options.lockStaleMs };
  }

  async create(input: NewTask): Promise<Task> {
    const now = this.clock.now();
    const task = newTaskRecord(input, now);
    this.ensureTasksDir();
    // Build the folder aside and rename it into place: a task exists whole or not at all,
    // and the rename refuses an id that is taken (ENOTEMPTY), so ids never collide.
    for (let attempt = 0; ; attempt++) {
      task.id = newTaskId(now);
      const staging = join(this.tasksDir, `.new-${task.id}-${process.pid}`);
      try {
        writeNewTask(staging, task);
        renameSync(staging, join(this.tasksDir, task.id));
        return JSON.parse(JSON.stringify(task)) as Task;
      } catch (error) {
        rmSync(staging, { recursive: true, force: true });
        const code = (error as NodeJS.ErrnoException).code;
        if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || attempt >= 5) throw error;
      }
    }
  }

  async get(id: string): Promise<Task> {
    assertTaskId(id);
    return this.load(id).task;
  }

  async clone(id: string, overrides: CloneOverrides = {}): Promise<Task> {
    return this.create(cloneInput(await this.get(id), overrides));
  }

  async list(filter: ListFilter = {}): Promise<Task[]> {
    let names: string[];
    try {
      names = readdirSync(this.tasksDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const tasks: Task[] = [];
    const ids = new Set<string>();
    for (const name of names) {
      if (!isTaskId(name)) continue; // staging folders and stray files
      const task = this.unchanged.load(this.taskDir(name), name);
      if (!task) continue; // deleted since readdir
      ids.add(name);
      if (matchesFilter(task, filter)) tasks.push(task);
    }
    this.unchanged.keepOnly(ids);
    return tasks.sort(compareTasks);
  }

  async setStatus(id: string, status: TaskStatus, options: StatusOptions = {}): Promise<Task> {
    return this.mutate(id, (task, now) => applyStatus(task, status, options, now));
  }

  async update(id: string, patch: TaskPatch): Promise<Task> {
    return this.mutate(id, (task, now) => applyPatch(task, patch, now));
  }

  async requestStop(id: string, reason: string, options: { kind?: StopKind } = {}): Promise<void> {
    await this.mutate(id, (task, now) => applyStopRequest(task, reason, now, options.kind));
  }

  async acquireLease(id: string, request: LeaseRequest): Promise<Task> {
    return this.mutate(id, (task, now) => applyAcquireLease(task, request, now));
  }

  async renewLease(id: string, owner: string, ttlMs: number): Promise<Task> {
    return this.mutate(id, (task, now) => applyRenewLease(task, owner, ttlMs, now));
  }

  async releaseLease(id: string, owner: string): Promise<void> {
    await this.mutate(id, (task, now) => applyReleaseLease(task, owner, now));
  }

  async appendScalars(id: string, step: number, values: Record<string, number>): Promise<void> {
    assertTaskId(id);
    assertScalarReport(id, step, values);
    this.append(id, 'scalars.jsonl', encodeScalarLine(step, values, this.clock.now()));
  }

  async getScalars(id: string): Promise<ScalarSeries> {
    assertTaskId(id);
    return parseScalarLines(this.readOptional(id, 'scalars.jsonl'));
  }

  async appendLog(id: string, text: string): Promise<void> {
    assertTaskId(id);
    this.append(id, 'log.txt', text);
  }

  async readLog(id: string): Promise<string> {
    assertTaskId(id);
    try {
      return await readFile(join(this.taskDir(id), 'log.txt'), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.assertExists(id);
      return '';
    }
  }

  async recordArtifact(id: string, ref: ArtifactRef): Promise<Task> {
    assertTaskId(id);
    assertArtifactName(ref.name);
    return this.mutate(id, (task, now) => applyArtifactRef(task, ref, now));
  }

  async forgetArtifacts(id: string, reason: string, names?: readonly string[]): Promise<Task> {
    assertTaskId(id);
    return this.mutate(id, (task, now) => applyForgetArtifacts(task, reason, names, now));
  }

  async close(): Promise<void> {
    // Nothing is held open between calls.
  }

  private taskDir(id: string): string {
    return join(this.tasksDir, id);
  }

  private ensureTasksDir(): void {
    if (this.tasksDirReady) return;
    mkdirSync(this.tasksDir, { recursive: true });
    this.tasksDirReady = true;
  }

  private notFound(id: string): TaskNotFoundError {
    return new TaskNotFoundError(id, this.location);
  }

  private assertExists(id: string): void {
    try {
      statSync(this.taskDir(id));
    } catch {
      throw this.notFound(id);
    }
  }

  private load(id: string): LoadedTask {
    const loaded = loadTask(this.taskDir(id), id);
    if (!loaded) throw this.notFound(id);
    return loaded;
  }

  /** Read-modify-write under the task's lock; `change` returning undefined means "no change". */
  private async mutate(id: string, change: (task: Task, now: number) => Task | undefined): Promise<Task> {
    assertTaskId(id);
    const dir = this.taskDir(id);
    try {
      return await withFileLock(join(dir, 'task.lock'), async () => {
        const loaded = this.load(id);
        const next = change(loaded.task, this.clock.now());
        if (next === undefined) return loaded.task;
        await saveTask(dir, loaded, next, this.durable);
        // Hand out what a later get() returns (JSON drops undefined), sharing nothing with the caller.
        return JSON.parse(JSON.stringify(next)) as Task;
      }, this.lockOptions);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw this.notFound(id);
      throw error;
    }
  }

  /** One O_APPEND write: concurrent appenders interleave whole lines, never bytes. */
  private append(id: string, file: string, text: string): void {
    try {
      appendFileSync(join(this.taskDir(id), file), text);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw this.notFound(id);
      throw error;
    }
  }

  private readOptional(id: string, file: string): string {
    try {
      return readFileSync(join(this.taskDir(id), file), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.assertExists(id);
      return '';
    }
  }
}

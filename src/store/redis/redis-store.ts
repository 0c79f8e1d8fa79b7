import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { cloneInput, newTaskRecord, type CloneOverrides } from '../new-task.ts';
import { compareTasks, matchesFilter } from '../list-filter.ts';
import {
  ConfigError,
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
} from '../../core/index.ts';
import { StoreInputError } from '../errors.ts';
import { assertScalarReport, encodeScalarLine, parseScalarLines } from '../scalar-lines.ts';
import { assertArtifactName, assertTaskId, newTaskId } from '../task-id.ts';
import { parseStoredTask } from '../task-record.ts';
import { applyArtifactRef, applyForgetArtifacts, applyPatch, applyStatus, applyStopRequest, type StatusOptions } from '../transition.ts';
import { applyAcquireLease, applyReleaseLease, applyRenewLease } from '../lease.ts';
import { asOutageError, closeRedis, connectRedis, redactUrl, type ConnectOptions } from './connection.ts';
import { StoreContentionError, StoreWipedError } from './errors.ts';
import { warnIfVolatile } from './persistence.ts';
import { DEFAULT_PREFIX, storeKeys, type StoreKeys } from './keys.ts';
import { storeScripts, type StoreScripts } from './scripts.ts';

export interface RedisTaskStoreOptions {
  /** Key prefix; every key of this store starts with it. Default `hpo:`. */
  prefix?: string;
  clock?: Clock;
  /** Shown in errors instead of the client's address (a redacted URL). */
  location?: string;
  /** close() also disconnects the client (true when the store opened it). Default false. */
  ownsClient?: boolean;
  /**
   * The token this process found in the store's marker key at open (see `openRedisStore`). A
   * missing task then tells a wiped store (marker gone or changed) from a wrong id.
   */
  marker?: string;
}

const PREFIX = /^[A-Za-z0-9:_.{}-]{1,64}$/;
const MAX_CAS_ATTEMPTS = 60;
const LIST_CHUNK = 500;

/**
 * The task store on Redis, for agents on several machines. A task is a hash holding its JSON
 * record and a revision; read-modify-write calls (setStatus, update, requestStop, recordArtifact)
 * are compare-and-set commits through a Lua script, retried on a lost race, so concurrent
 * writers on any machine never lose each other's changes and `expect` has one winner.
 * Scalars are a list of JSON lines, the log an appended string; artifact bytes live in an
 * artifact store (src/artifacts), only their references in the record.
 * `list` reads one creation-ordered index (per parent, per project, or all) and filters
 * type and status on read: a study lists by parent, which stays small.
 */
export class RedisTaskStore implements TaskStore {
  readonly location: string;
  readonly prefix: string;
  private readonly keys: StoreKeys;
  private readonly scripts: StoreScripts;
  private readonly clock: Clock;
  private readonly ownsClient: boolean;
  private readonly marker?: string;
  private readonly where: string;
  private closing?: Promise<void>;

  constructor(
    private readonly client: Redis,
    options: RedisTaskStoreOptions = {},
  ) {
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    if (!PREFIX.test(this.prefix)) {
      throw new ConfigError(`Invalid Redis key prefix ${JSON.stringify(this.prefix)}: use 1-64 characters of [A-Za-z0-9:_.-], e.g. "hpo:".`);
    }
    this.keys = storeKeys(this.prefix);
    this.scripts = storeScripts(client);
    this.clock = options.clock ?? systemClock;
    this.ownsClient = options.ownsClient ?? false;
    this.marker = options.marker;
    const where = options.location ?? `redis://${client.options.host ?? '127.0.0.1'}:${client.options.port ?? 6379}`;
    this.where = where;
    this.location = `Redis store ${where} (prefix "${this.prefix}")`;
  }

  async create(input: NewTask): Promise<Task> {
    const now = this.clock.now();
    const task = newTaskRecord(input, now);
    for (let attempt = 0; attempt < 5; attempt++) {
      task.id = newTaskId(now);
      const text = JSON.stringify(task);
      const indexes = [this.keys.allTasks(), this.keys.project(task.project)];
      if (task.parent !== undefined) indexes.push(this.keys.children(task.parent));
      if ((await this.redis(() => this.scripts.create([this.keys.task(task.id), ...indexes], text, now, task.id))) === 1) return JSON.parse(text) as Task;
    }
    throw new StoreInputError(`create: could not find a free task id in ${this.location} after 5 tries.`);
  }

  async get(id: string): Promise<Task> {
    assertTaskId(id);
    return (await this.read(id)).task;
  }

  async clone(id: string, overrides: CloneOverrides = {}): Promise<Task> {
    return this.create(cloneInput(await this.get(id), overrides));
  }

  async list(filter: ListFilter = {}): Promise<Task[]> {
    if (filter.parent !== undefined) assertTaskId(filter.parent);
    const index =
      filter.parent !== undefined
        ? this.keys.children(filter.parent)
        : filter.project !== undefined
          ? this.keys.project(filter.project)
          : this.keys.allTasks();
    const ids = await this.redis(() => this.client.zrange(index, 0, -1));
    const tasks: Task[] = [];
    for (let i = 0; i < ids.length; i += LIST_CHUNK) {
      const pipeline = this.client.pipeline();
      for (const id of ids.slice(i, i + LIST_CHUNK)) pipeline.hget(this.keys.task(id), 'data');
      for (const [index, data] of (await this.exec(pipeline)).entries()) {
        if (typeof data !== 'string') continue;
        const task = parseStoredTask(ids[i + index], data);
        if (matchesFilter(task, filter)) tasks.push(task);
      }
    }
    // The index is ordered by (createdAt, id) already; sorting again costs little and guards ties across indexes.
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
    await this.writeIfExists(id, this.keys.scalars(id), 'rpush', encodeScalarLine(step, values, this.clock.now()));
  }

  async getScalars(id: string): Promise<ScalarSeries> {
    assertTaskId(id);
    const [exists, lines] = await this.readWithTask(id, (p) => p.lrange(this.keys.scalars(id), 0, -1));
    if (!exists) throw await this.notFound(id);
    return parseScalarLines((lines as string[]).join(''));
  }

  async appendLog(id: string, text: string): Promise<void> {
    assertTaskId(id);
    if (text === '') return void (await this.get(id));
    await this.writeIfExists(id, this.keys.log(id), 'append', text);
  }

  async readLog(id: string): Promise<string> {
    assertTaskId(id);
    const [exists, text] = await this.readWithTask(id, (p) => p.get(this.keys.log(id)));
    if (!exists) throw await this.notFound(id);
    return (text as string | null) ?? '';
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

  /**
   * Idempotent: the CLI closes what a command already closed. A second `quit()` on a closing
   * client fails, and a `disconnect()` then arms ioredis' 2 s stream timer on a socket that
   * already closed, which held every Redis-store command's exit for a second.
   */
  close(): Promise<void> {
    this.closing ??= this.ownsClient ? closeRedis(this.client) : Promise.resolve();
    return this.closing;
  }

  /** One round trip; a command that gave up during an outage becomes RedisOutageError (one line, exit 1). */
  private async redis<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw asOutageError(error, this.where);
    }
  }

  /** Runs a pipeline and returns its replies; the first failed command's error is thrown. */
  private async exec(pipeline: ReturnType<Redis['pipeline']>): Promise<unknown[]> {
    const results = (await this.redis(() => pipeline.exec())) ?? [];
    for (const [error] of results) if (error) throw asOutageError(error, this.where);
    return results.map(([, value]) => value);
  }

  /** TaskNotFoundError, or StoreWipedError when the whole store vanished under this process. */
  private async notFound(id: string): Promise<TaskNotFoundError | StoreWipedError> {
    if (this.marker !== undefined) {
      const now = await this.client.get(this.keys.marker()).catch(() => this.marker);
      if (now !== this.marker) return new StoreWipedError(this.where, id);
    }
    return new TaskNotFoundError(id, this.location);
  }

  private async read(id: string): Promise<{ task: Task; rev: string }> {
    const [data, rev] = await this.redis(() => this.client.hmget(this.keys.task(id), 'data', 'rev'));
    if (data === null || rev === null) throw await this.notFound(id);
    return { task: parseStoredTask(id, data), rev };
  }

  /** One round trip: does the task exist, and the value `read` asks for. */
  private async readWithTask(id: string, read: (p: ReturnType<Redis['pipeline']>) => unknown): Promise<[boolean, unknown]> {
    const pipeline = this.client.pipeline().exists(this.keys.task(id));
    read(pipeline);
    const [exists, value] = await this.exec(pipeline);
    return [exists === 1, value];
  }

  private async writeIfExists(id: string, key: string, mode: 'rpush' | 'append', value: string): Promise<void> {
    if ((await this.redis(() => this.scripts.writeIfExists(this.keys.task(id), key, mode, value))) === -1) throw await this.notFound(id);
  }

  /** Compare-and-set read-modify-write; `change` returning undefined means "no change". */
  private async mutate(id: string, change: (task: Task, now: number) => Task | undefined): Promise<Task> {
    assertTaskId(id);
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const { task, rev } = await this.read(id);
      const next = change(task, this.clock.now());
      if (next === undefined) return task;
      const text = JSON.stringify(next);
      const result = await this.redis(() => this.scripts.commit(this.keys.task(id), rev, text));
      if (result === 1) return JSON.parse(text) as Task;
      if (result === -1) throw await this.notFound(id);
      // Lost the race: back off a little (randomized, so racers spread out) and re-read.
      if (attempt >= 2) await new Promise((r) => setTimeout(r, Math.random() * Math.min(2 * attempt, 50)));
    }
    throw new StoreContentionError(id, MAX_CAS_ATTEMPTS);
  }
}

export interface OpenRedisStoreOptions extends ConnectOptions {
  prefix?: string;
  /** Told once when a Redis restart would lose the store (no AOF, no snapshots). */
  onWarning?: (message: string) => void;
  clock?: Clock;
}

/**
 * Connects to `url` (`redis://[:password@]host:port[/db]`, `rediss://` for TLS) and returns
 * the store under `prefix` (default `hpo:`). Fails fast with RedisUnavailableError naming the
 * URL (password hidden) when Redis does not answer; reconnects on its own afterwards.
 * close() disconnects.
 */
export async function openRedisStore(url: string, options: OpenRedisStoreOptions = {}): Promise<RedisTaskStore> {
  const client = await connectRedis(url, options);
  try {
    const location = redactUrl(url);
    // Constructing validates the prefix before any key is written under it.
    const keys = storeKeys(new RedisTaskStore(client, { ...options, location }).prefix);
    // The first process to open the store leaves a token; every later one reads the same token.
    await client.set(keys.marker(), randomUUID(), 'NX');
    const marker = (await client.get(keys.marker())) ?? undefined;
    if (options.onWarning) await warnIfVolatile(client, location, options.onWarning);
    return new RedisTaskStore(client, { ...options, location, ownsClient: true, marker });
  } catch (error) {
    client.disconnect();
    throw error;
  }
}

import type { ErrorInfo } from './errors.ts';
import type { Ending, EndingKind } from './ending.ts';

/** A hyperparameter value: numbers for float/int, strings or booleans for categoricals. */
export type ParamValue = number | string | boolean;

/** Flat `section/name -> value` map, YOLOv5 style: `hyp/lr0`, `args/epochs`. */
export type Params = Record<string, ParamValue>;

/** `autoscaler`: one `hpo autoscale` record (its instances, instance-time and decision log); never run by an agent. */
export type TaskType = 'training' | 'controller' | 'autoscaler';

/** Every TaskType, for checks at the store's boundary. */
export const TASK_TYPES: readonly TaskType[] = ['training', 'controller', 'autoscaler'];

export type TaskStatus = 'draft' | 'queued' | 'running' | 'completed' | 'failed' | 'stopped';

/**
 * Legal lifecycle moves. `running -> queued` is a requeue (an agent shutting down hands the
 * trial back); `failed|stopped|completed -> queued` reopens a controller for `--resume`.
 */
export const TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  draft: ['queued', 'stopped'],
  queued: ['running', 'stopped', 'failed'],
  running: ['completed', 'failed', 'stopped', 'queued'],
  // Extends a finished study (`run --resume <id> --trials N`). Runners claim with
  // `expect: ['queued']` from a fresh clone, so a completed trial never runs again.
  completed: ['queued'],
  failed: ['queued'],
  stopped: ['queued'],
};

export function isFinal(status: TaskStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'stopped';
}

/** Which code a task runs. Trainers validate their own options with zod. */
export interface TrainerRef {
  type: string;
  [option: string]: unknown;
}

export interface Environment {
  /** The code that ran: hpo's checkout, or a trainer's own repo (`dir`, e.g. the YOLOv5 checkout). */
  git?: { commit: string; dirty: boolean; diff?: string; dir?: string };
  node: string;
  packages: Record<string, string>;
  host: string;
  platform: string;
  cpus: { model: string; count: number };
  /** One line per GPU the machine has, from nvidia-smi: `0: <model>, driver <v>, <n> MiB`. */
  gpus?: string[];
  backend?: string;
  /** A python trainer's interpreter and installed packages (`name==version`, as pip freeze prints them). */
  python?: PythonEnvironment;
  /** Who ran the task: the agent, its slot and the GPU that slot holds. */
  run?: { agent?: string; slot?: number; gpu?: string; pid: number };
}

export interface PythonEnvironment {
  executable: string;
  version: string;
  packages: string[];
  /** How the packages were listed: `pip freeze`, or importlib.metadata where pip is missing. */
  packagesFrom: 'pip freeze' | 'importlib.metadata';
  torch?: string;
  /** The CUDA version torch was built with, when torch is importable and has one. */
  cuda?: string;
  cudaAvailable?: boolean;
}

/**
 * Where one artifact of a task is, enough for any machine to find and verify it: the bytes live
 * in an artifact store (src/artifacts), the task store keeps only this reference.
 */
export interface ArtifactRef {
  /** The task's name for it: a relative path of 1-4 segments (`best.bin`, `plots/labels.jpg`). */
  name: string;
  size: number;
  /** sha256 of the bytes (lowercase hex). */
  sha256: string;
  /** The artifact store's spec (`file:///x`, `s3://b/p`, `redis://h:p/0?prefix=..`), without secrets. */
  store: string;
  /** The key inside that store (`tasks/<task-id>/<name>`). */
  key: string;
  /** Human-readable full location (a file URL, an s3:// URL, a Redis key). */
  location: string;
  createdAt: number;
}

/** The dataset version a task trained on (`args/data: hpo://...`), recorded by the runner. */
export interface DatasetUse {
  /** What the params said (`hpo://<id>` or `hpo://<project>/<name>`). */
  uri: string;
  id: string;
  /** sha256 over the version's manifest (every path, hash and size). */
  contentHash: string;
}

/** Set when retention or a user deleted a task's artifacts; metadata, scalars and log stay. */
export interface ArtifactsDeleted {
  at: number;
  reason: string;
  names: string[];
}

/**
 * The code a task runs, recorded from a working tree so any machine can recreate it: an agent
 * fetches `commit` from `remote`, checks it out, applies `diff` and writes `untracked`.
 */
export interface CodeSnapshot {
  /** A URL or path `git fetch` reaches (the `origin` remote, else the repo's own folder). */
  remote: string;
  commit: string;
  branch?: string;
  /** `git diff HEAD --binary`: staged and unstaged changes to tracked files. */
  diff?: string;
  /** Small untracked files (size-capped), base64. */
  untracked?: { path: string; base64: string }[];
  /** Where in the repo the task was created (`.` for the top), the trainer's working directory. */
  workingDir: string;
  /** The template file the task came from, relative to the repo. */
  entryPoint?: string;
}

/** One task record. Timestamps are epoch milliseconds from the store's clock. */
export interface Task {
  id: string;
  name: string;
  project: string;
  type: TaskType;
  status: TaskStatus;
  /** Why the task is in its status: `pruned`, `timeout`, `interrupted`, an error message. */
  statusReason?: string;
  error?: ErrorInfo;
  /** Final tasks: why they ended (typed; `statusReason` is its text for people). */
  ending?: Ending;
  trainer: TrainerRef;
  params: Params;
  tags: string[];
  parent?: string;
  /** Controller tasks: the resolved study config. */
  config?: unknown;
  /** Free-form outcome: a trial's objective, a controller's leaderboard summary. */
  result?: unknown;
  environment?: Environment;
  /** The recorded code (`hpo task create --repo`); runners materialize it before the trainer starts. */
  code?: CodeSnapshot;
  /** A built-in trainer's code is hpo itself: the version the task was created with, which runners compare with their own. */
  hpoVersion?: string;
  stopRequest?: StopRequest;
  /** Controller tasks: which process runs the study now (one at a time). */
  lease?: Lease;
  artifacts: Record<string, ArtifactRef>;
  /** Which artifacts were deleted, when and why (`budget.keepTopK`, `hpo tasks delete`). */
  artifactsDeleted?: ArtifactsDeleted;
  /** The dataset version it used, when `args/data` named one. */
  dataset?: DatasetUse;
  createdAt: number;
  updatedAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** Last sign of life from the process running it (agents beat while a task runs). */
  heartbeatAt?: number;
  /** Set when the record was damaged (e.g. a kill -9 mid-write) and was read back in part. */
  interrupted?: boolean;
}

/** A request to stop at the next epoch boundary; `kind` is the ending the task then records. */
export interface StopRequest {
  at: number;
  reason: string;
  /** Default `stopped`. */
  kind?: StopKind;
}

/** Endings a stop request can ask for. */
export type StopKind = Extract<EndingKind, 'pruned' | 'stopped' | 'interrupted' | 'timeout'>;

/**
 * A controller's claim by one process. `owner` names it for people (`host pid 123`, `agent
 * gpu-1`); `host` and `pid` let a process on the same machine see that the owner is gone.
 * The holder renews `expiresAt` on its heartbeat; a lease past `expiresAt` is expired.
 */
export interface Lease {
  owner: string;
  host?: string;
  pid?: number;
  acquiredAt: number;
  expiresAt: number;
}

/** What a process asks for when it takes a controller's lease. */
export interface LeaseRequest {
  owner: string;
  host?: string;
  pid?: number;
  ttlMs: number;
  /** Take the lease even if it is held, provided it has expired (its owner is gone). */
  force?: boolean;
  /** With `force`: also take a lease not yet expired when `owner` holds it (the caller saw that process die). */
  takeFrom?: string;
}

/** What `TaskStore.create` needs; the store fills id, status, timestamps. */
export interface NewTask {
  name: string;
  project: string;
  type: TaskType;
  trainer: TrainerRef;
  params: Params;
  tags?: string[];
  parent?: string;
  config?: unknown;
  status?: 'draft' | 'queued';
  environment?: Environment;
  code?: CodeSnapshot;
  hpoVersion?: string;
}

/** A scalar series point. */
export interface ScalarPoint {
  step: number;
  value: number;
}

/** All series of a task: `metrics/mAP_0.5:0.95 -> [{step, value}, ...]`, sorted by step. */
export type ScalarSeries = Record<string, ScalarPoint[]>;

/** Fields a caller may patch without a status change. */
export interface TaskPatch {
  name?: string;
  tags?: string[];
  result?: unknown;
  environment?: Environment;
  config?: unknown;
  heartbeatAt?: number;
  dataset?: DatasetUse;
  /** `null` clears a stale stop request (a resumed study must not stop at once). */
  stopRequest?: null;
}

export interface ListFilter {
  project?: string;
  parent?: string;
  type?: TaskType;
  status?: TaskStatus | readonly TaskStatus[];
}

/**
 * The task store. Two backends (file, redis) pass one conformance suite.
 * Safe across processes: several writers may call any method at once.
 */
export interface TaskStore {
  /** Human-readable location, used in error messages (`.hpo/ in /x`, `redis://h:6379`). */
  readonly location: string;
  create(task: NewTask): Promise<Task>;
  /** Throws TaskNotFoundError / InvalidTaskIdError. */
  get(id: string): Promise<Task>;
  /** A new draft task copying trainer and params of `id`, overrides applied, `parent` set as given. */
  clone(
    id: string,
    overrides?: { name?: string; params?: Params; parent?: string; project?: string; tags?: string[]; status?: 'draft' | 'queued' },
  ): Promise<Task>;
  /** Sorted by creation time, then id. */
  list(filter?: ListFilter): Promise<Task[]>;
  /**
   * Moves to `status` if the lifecycle allows it (IllegalTransitionError otherwise). With `expect`,
   * succeeds only if the current status is one of them (compare-and-set across processes).
   */
  setStatus(
    id: string,
    status: TaskStatus,
    options?: { reason?: string; error?: ErrorInfo; expect?: readonly TaskStatus[]; ending?: Ending },
  ): Promise<Task>;
  update(id: string, patch: TaskPatch): Promise<Task>;
  appendScalars(id: string, step: number, values: Record<string, number>): Promise<void>;
  getScalars(id: string): Promise<ScalarSeries>;
  appendLog(id: string, text: string): Promise<void>;
  readLog(id: string): Promise<string>;
  /**
   * Records (or replaces) the reference to an artifact whose bytes are already committed to an
   * artifact store (src/artifacts). The task store keeps metadata only, never the bytes.
   */
  recordArtifact(id: string, ref: ArtifactRef): Promise<Task>;
  /** Drops the references `names` (all when omitted) and notes why in `artifactsDeleted`. */
  forgetArtifacts(id: string, reason: string, names?: readonly string[]): Promise<Task>;
  /** Asks whoever runs the task to stop at its next epoch boundary. Idempotent; first reason wins. */
  requestStop(id: string, reason: string, options?: { kind?: StopKind }): Promise<void>;
  /**
   * Compare-and-set claim of a controller task. Succeeds when there is no lease, the lease is
   * `owner`'s own, or (with `force`) it has expired; otherwise throws LeaseHeldError naming the
   * holder and its expiry. Returns the task with the new lease.
   */
  acquireLease(id: string, request: LeaseRequest): Promise<Task>;
  /** Extends `owner`'s lease by `ttlMs` from now; LeaseLostError when someone else holds it now. */
  renewLease(id: string, owner: string, ttlMs: number): Promise<Task>;
  /** Drops `owner`'s lease (a clean end); a no-op when the lease is gone or someone else's. */
  releaseLease(id: string, owner: string): Promise<void>;
  close(): Promise<void>;
}

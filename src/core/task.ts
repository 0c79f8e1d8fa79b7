import type { ErrorInfo } from './errors.ts';
import type { Ending } from './ending.ts';

/** A hyperparameter value: numbers for float/int, strings or booleans for categoricals. */
export type ParamValue = number | string | boolean;

/** Flat `section/name -> value` map, YOLOv5 style: `hyp/lr0`, `args/epochs`. */
export type Params = Record<string, ParamValue>;

export type TaskType = 'training' | 'controller';

export type TaskStatus = 'draft' | 'queued' | 'running' | 'completed' | 'failed' | 'stopped';

/**
 * Legal lifecycle moves. `running -> queued` is a requeue (an agent shutting down hands the
 * trial back); `failed|stopped -> queued` reopens a controller for `--resume`. `completed` is final.
 */
export const TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  draft: ['queued', 'stopped'],
  queued: ['running', 'stopped', 'failed'],
  running: ['completed', 'failed', 'stopped', 'queued'],
  completed: [],
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
  git?: { commit: string; dirty: boolean; diff?: string };
  node: string;
  packages: Record<string, string>;
  host: string;
  platform: string;
  cpus: { model: string; count: number };
  gpus?: string[];
  backend?: string;
}

/** Where one artifact of a task is: enough for any machine to find and verify it. */
export interface ArtifactRef {
  name: string;
  size: number;
  /** sha256 of the bytes (lowercase hex). */
  sha256: string;
  /** The artifact store's spec (`file:///x`, `s3://b/p`, `redis://h:p/0?prefix=..`), without secrets. */
  store: string;
  /** The key inside that store. */
  key: string;
  /** Human-readable full location (a file URL, an s3:// URL, a Redis key). */
  location: string;
  createdAt: number;
}

/** The dataset version a task trained on (`args/data: hpo://...`). */
export interface DatasetUse {
  /** What the params said (`hpo://<id>` or `hpo://<project>/<name>`). */
  uri: string;
  id: string;
  /** sha256 over the version's manifest (every path, hash and size). */
  contentHash: string;
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
  stopRequest?: { at: number; reason: string };
  artifacts: Record<string, ArtifactRef>;
  /** Set when retention or a user deleted this task's artifacts (metadata, scalars and log stay). */
  artifactsDeleted?: { at: number; reason: string; names: string[] };
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
    options?: { reason?: string; error?: ErrorInfo; expect?: readonly TaskStatus[] },
  ): Promise<Task>;
  update(id: string, patch: TaskPatch): Promise<Task>;
  appendScalars(id: string, step: number, values: Record<string, number>): Promise<void>;
  getScalars(id: string): Promise<ScalarSeries>;
  appendLog(id: string, text: string): Promise<void>;
  readLog(id: string): Promise<string>;
  /**
   * Records (or replaces) the reference to an artifact whose bytes are already in an artifact
   * store (src/artifacts). The task store keeps metadata only.
   */
  recordArtifact(id: string, ref: ArtifactRef): Promise<Task>;
  /** Drops the references `names` (all when omitted) and notes why in `artifactsDeleted`. */
  forgetArtifacts(id: string, reason: string, names?: readonly string[]): Promise<Task>;
  /** Asks whoever runs the task to stop at its next epoch boundary. Idempotent; first reason wins. */
  requestStop(id: string, reason: string): Promise<void>;
  close(): Promise<void>;
}

import type { Environment, Params, TrainerRef } from '../core/index.ts';

/** Where a trainer sends its per-epoch scalars (YOLOv5 results.csv names). */
export interface Reporter {
  /** Records the scalars of one step (epoch). Awaiting it lets the controller's stop request arrive. */
  report(step: number, scalars: Record<string, number>): Promise<void>;
}

/** What a trainer receives besides its params. */
export interface TrainerContext {
  taskId: string;
  trainer: TrainerRef;
  reporter: Reporter;
  /** Aborted on a stop request (prune, study stop, agent shutdown). Honour it at epoch boundaries. */
  signal: AbortSignal;
  /** The trial's own folder (`{trialDir}`): outputs, hyp.yaml, fetched weights. */
  workDir: string;
  /** The checkout of the code the task records (materialized by the runner), when it records any. */
  codeDir?: string;
  /** One console line; captured into the task's log. */
  log(line: string): void;
  /** Stores bytes or text as a task artifact (small ones: results.csv, a plot). */
  putArtifact(name: string, data: Uint8Array | string): Promise<void>;
  /** Uploads a file (from the scratch folder) as a task artifact, streamed: checkpoints of any size. */
  putArtifactFile(name: string, path: string): Promise<void>;
  /** Adds to the task's recorded environment (e.g. the TF.js backend the trainer chose). */
  recordEnvironment(patch: Partial<Environment>): Promise<void>;
  /** Reads an artifact of a task into memory (e.g. `--weights <task-id>/best.bin` to decode). */
  getArtifact?(taskId: string, name: string): Promise<Uint8Array>;
  /** Writes an artifact of a task to `path`, streamed and sha256-verified (weights another program loads). */
  downloadArtifact?(taskId: string, name: string, path: string): Promise<void>;
}

/** The code a task runs. Throw to fail; return normally (even when stopped early) to finish. */
export interface Trainer {
  readonly type: string;
  train(params: Params, ctx: TrainerContext): Promise<void>;
  /**
   * Optional: loads what any run of this trainer needs before the task is known (a backend, a
   * thread), so that a spare process (src/exec/local) starts its trial without paying for it.
   * A failure is ignored there: the trial meets it again and fails with it.
   */
  preload?(): Promise<void>;
}

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
  /** Stores a file as a task artifact (weights, results.csv). */
  putArtifact(name: string, data: Uint8Array | string): Promise<void>;
  /** Adds to the task's recorded environment (e.g. the TF.js backend the trainer chose). */
  recordEnvironment(patch: Partial<Environment>): Promise<void>;
  /** Reads an artifact of another task (e.g. `--weights <task-id>/best.bin`). */
  getArtifact?(taskId: string, name: string): Promise<Uint8Array>;
}

/** The code a task runs. Throw to fail; return normally (even when stopped early) to finish. */
export interface Trainer {
  readonly type: string;
  train(params: Params, ctx: TrainerContext): Promise<void>;
}

import { TrialFailedError, packageVersion, type Task, type TrainerRef } from '../core/index.ts';

/** Trainers whose code is hpo itself (the others run a user's program, recorded as `code`). */
const HPO_CODE_TRAINERS = new Set(['function', 'yolov5']);

/** What a new task of `trainer` records: hpo's version for the built-in trainers, nothing otherwise. */
export function versionPin(trainer: TrainerRef): { hpoVersion?: string } {
  return HPO_CODE_TRAINERS.has(trainer.type) ? { hpoVersion: packageVersion() } : {};
}

/**
 * A task pinned to another hpo version than this runner's: a warning line for its log, or with
 * `strict` (`hpo agent --strict`, $HPO_STRICT_VERSION=1) a failed trial naming both and the fix.
 */
export function checkVersionPin(task: Task, strict: boolean, running = packageVersion()): string | undefined {
  if (!task.hpoVersion || task.hpoVersion === running) return undefined;
  const what = `task ${task.id} was created with hpo ${task.hpoVersion}; this runner is hpo ${running}`;
  if (strict) throw new TrialFailedError(`${what}: run it on an agent of hpo ${task.hpoVersion}, or without --strict`);
  return `warning: ${what}; results may differ (hpo agent --strict refuses such tasks)`;
}

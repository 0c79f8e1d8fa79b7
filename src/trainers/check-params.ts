import type { Params, TrainerRef } from '../core/index.ts';

/**
 * Checks a task's params against what its trainer accepts, before the task is stored
 * (`hpo train`, `hpo task create`, `hpo task clone`, the template and space of `hpo run`), so a
 * typo fails at once naming the closest name instead of inside a trial. Throws ConfigError.
 * Trainers without a fixed argument table accept any params.
 */
export async function checkTrainerParams(trainer: TrainerRef, params: Params): Promise<void> {
  if (trainer.type === 'yolov5-ultralytics') {
    const { parseUltralyticsParams } = await import('./ultralytics/params.ts');
    parseUltralyticsParams(params);
  }
}

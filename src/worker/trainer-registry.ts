import { HpoError } from '../core/index.ts';
import type { Trainer } from './trainer.ts';

/** Trainer types and how to load them. Lazy, so `hpo --help` never loads TensorFlow.js. */
const TRAINERS: Record<string, () => Promise<Trainer>> = {
  function: async () => (await import('../trainers/function/trainer.ts')).functionTrainer,
  yolov5: async () => (await import('../trainers/yolov5/index.ts')).yolov5Trainer,
  command: async () => (await import('../trainers/command/trainer.ts')).commandTrainer,
  'yolov5-ultralytics': async () => (await import('../trainers/ultralytics/trainer.ts')).ultralyticsTrainer,
};

export const TRAINER_TYPES = Object.keys(TRAINERS);

/** Light work a trainer starts in a trial process before its module loads; types with none are absent. */
const EARLY_STARTS: Record<string, () => Promise<{ startEarly(): unknown }>> = {
  yolov5: () => import('../trainers/yolov5/early.ts'),
};

/**
 * Starts `type`'s early work, if it has any: resolves true once started, false for a type with
 * none or when it failed (which is left to the trial's own start to meet and report).
 */
export async function startTrainerEarly(type: string): Promise<boolean> {
  const early = EARLY_STARTS[type];
  if (!early) return false;
  try {
    void (await early()).startEarly();
    return true;
  } catch {
    return false;
  }
}

/** The trainer for a task's `trainer.type`. Throws a named error listing the known types. */
export async function getTrainer(type: string): Promise<Trainer> {
  const load = TRAINERS[type];
  if (!load) {
    throw new HpoError('TRAINER_UNKNOWN', `Unknown trainer type ${JSON.stringify(type)}. Known trainers: ${TRAINER_TYPES.join(', ')}.`);
  }
  return load();
}

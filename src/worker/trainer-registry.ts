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

/** The trainer for a task's `trainer.type`. Throws a named error listing the known types. */
export async function getTrainer(type: string): Promise<Trainer> {
  const load = TRAINERS[type];
  if (!load) {
    throw new HpoError('TRAINER_UNKNOWN', `Unknown trainer type ${JSON.stringify(type)}. Known trainers: ${TRAINER_TYPES.join(', ')}.`);
  }
  return load();
}

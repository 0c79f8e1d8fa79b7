/**
 * The worker: runs one task in this process (status, trainer, scalars, logs, stop requests),
 * captures the environment it ran in, and is the entry of a local trial's child process.
 * Trainers implement its `Trainer` interface; its registry loads them lazily by type, the one
 * reference from here to src/trainers/ (so `hpo --help` never loads TensorFlow.js).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { siblingModule } from '../core/index.ts';

export { createTaskRunner } from './run-task.ts';
export { captureEnvironment } from './environment.ts';
export { versionPin, checkVersionPin } from './version-pin.ts';
export { getTrainer, TRAINER_TYPES } from './trainer-registry.ts';
export type { Trainer, TrainerContext } from './trainer.ts';

/**
 * The module a local trial's child process runs (`<store-spec> <task-id>`): .ts from the sources;
 * from the build, its bundle (dist/child/, scripts/bundle-child.mjs: a trial starts faster from it)
 * when present, else the compiled child-main.js.
 */
export const CHILD_ENTRY = childEntry();

function childEntry(): string {
  const compiled = siblingModule(import.meta.url, './child-main.ts');
  if (compiled.endsWith('.ts')) return compiled;
  const bundled = fileURLToPath(new URL('../../child/child-main.js', import.meta.url));
  return existsSync(bundled) ? bundled : compiled;
}

import { HpoError } from '../../../core/index.ts';
import { braninObjective } from './branin.ts';
import { hartmann6Objective } from './hartmann6.ts';
import { learningCurve } from './learning-curve.ts';
import { quadraticObjective } from './quadratic.ts';
import type { BuiltinObjective } from './types.ts';

/** Built-in objectives of the function trainer, by name. Adding one = its file + one line here. */
const OBJECTIVES: Readonly<Record<string, BuiltinObjective>> = {
  [learningCurve.name]: learningCurve,
  [braninObjective.name]: braninObjective,
  [hartmann6Objective.name]: hartmann6Objective,
  [quadraticObjective.name]: quadraticObjective,
};

/** Names accepted by `getObjective`, in registry order. */
export const objectiveNames: readonly string[] = Object.keys(OBJECTIVES);

/**
 * The built-in objective called `name`. Throws HpoError `OBJECTIVE_UNKNOWN` naming the known
 * objectives when there is none (a typo in a template's `trainer.objective`).
 */
export function getObjective(name: string): BuiltinObjective {
  const objective = Object.hasOwn(OBJECTIVES, name) ? OBJECTIVES[name] : undefined;
  if (!objective) {
    throw new HpoError(
      'OBJECTIVE_UNKNOWN',
      `Unknown objective ${JSON.stringify(name)}: the function trainer knows ${objectiveNames.join(', ')}. ` +
        'Set trainer.objective to one of them.',
    );
  }
  return objective;
}

export type { BuiltinObjective } from './types.ts';
export { learningCurve, meanMap, lrFactor } from './learning-curve.ts';
export { braninObjective, branin } from './branin.ts';
export { hartmann6Objective, hartmann6 } from './hartmann6.ts';
export { quadraticObjective, quadratic } from './quadratic.ts';

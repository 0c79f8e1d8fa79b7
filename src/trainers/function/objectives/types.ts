import type { Direction, Space } from '../../../core/index.ts';
import type { FunctionObjective } from '../objective.ts';

/**
 * A built-in objective plus what a study over it needs: the metric to optimize, its
 * direction and a search space. Demos, tests and benches read these instead of repeating them.
 */
export interface BuiltinObjective extends FunctionObjective {
  /** The scalar name the study optimizes (`metrics/mAP_0.5:0.95`, `objective`). */
  readonly metric: string;
  readonly direction: Direction;
  /** A search space over the objective's params, as a user would write it in `hpo.config.ts`. */
  readonly space: Space;
}

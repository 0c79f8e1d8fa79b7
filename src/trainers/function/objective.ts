import type { Params, Rng } from '../../core/index.ts';

/**
 * A built-in objective for the function trainer: a deterministic (given its rng) per-epoch
 * curve that depends on the params, reported exactly like a real trainer reports.
 */
export interface FunctionObjective {
  readonly name: string;
  readonly description: string;
  /** The params a template of this objective starts from (`hyp/lr0`, `args/epochs`, ...). */
  readonly defaults: Params;
  /**
   * Scalars of epoch `epoch` (0-based) out of `epochs` for `params`. `rng` is seeded per task
   * and advanced once per epoch call, in epoch order, so a run is reproducible.
   */
  epoch(params: Params, epoch: number, epochs: number, rng: Rng): Record<string, number>;
}

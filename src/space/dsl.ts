import type { Condition, Dimension, ParamValue } from '../core/index.ts';

/** Options every dimension takes: `when` makes it conditional on other params' values. */
export interface DimensionOptions {
  /** Active only while each named param holds the value (or one of the values): `{ 'args/optimizer': 'SGD' }`. */
  when?: Condition;
}

/**
 * Search-space helpers for `hpo.config.ts` and `optimize()`. They only build plain objects;
 * validation (low < high, log low > 0, conditions on known params, ...) happens in `parseSpace`
 * so errors carry the path.
 */
export function float(low: number, high: number, options: { log?: boolean; step?: number } & DimensionOptions = {}): Dimension {
  return { type: 'float', low, high, log: options.log ?? false, ...(options.step !== undefined ? { step: options.step } : {}), ...when(options) };
}

export function int(low: number, high: number, options: { log?: boolean; step?: number } & DimensionOptions = {}): Dimension {
  return { type: 'int', low, high, log: options.log ?? false, step: options.step ?? 1, ...when(options) };
}

/** A choice; with `when` it is a nested choice (its own params may be conditioned on it in turn). */
export function categorical<const T extends ParamValue>(choices: readonly T[], options: DimensionOptions = {}): Dimension {
  return { type: 'categorical', choices, ...when(options) };
}

function when(options: DimensionOptions): { when?: Condition } {
  return options.when !== undefined ? { when: options.when } : {};
}

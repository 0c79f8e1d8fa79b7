import type { Dimension, ParamValue } from '../core/index.ts';

/**
 * Search-space helpers for `hpo.config.ts` and `optimize()`. They only build plain objects;
 * validation (low < high, log low > 0, ...) happens in `parseSpace` so errors carry the path.
 */
export function float(low: number, high: number, options: { log?: boolean; step?: number } = {}): Dimension {
  return { type: 'float', low, high, log: options.log ?? false, ...(options.step !== undefined ? { step: options.step } : {}) };
}

export function int(low: number, high: number, options: { log?: boolean; step?: number } = {}): Dimension {
  return { type: 'int', low, high, log: options.log ?? false, step: options.step ?? 1 };
}

export function categorical<const T extends ParamValue>(choices: readonly T[]): Dimension {
  return { type: 'categorical', choices };
}

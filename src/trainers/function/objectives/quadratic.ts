import type { Params } from '../../../core/index.ts';
import { float } from '../../../space/index.ts';
import type { BuiltinObjective } from './types.ts';

/**
 * Sum of squares `sum_i (v_i - 1)^2` over every numeric param except `args/*` (run settings, not
 * coordinates): the smallest possible smoke test, minimum 0 with every coordinate at 1.
 */
export function quadratic(params: Params): number {
  let sum = 0;
  for (const [name, value] of Object.entries(params)) {
    if (typeof value === 'number' && !name.startsWith('args/')) sum += (value - 1) ** 2;
  }
  return sum;
}

export const quadraticObjective: BuiltinObjective = {
  name: 'quadratic',
  description: 'sum of (v - 1)^2 over the numeric params (args/* excluded); minimum 0; constant over epochs',
  defaults: { x: 0, y: 0, 'args/epochs': 1 },
  metric: 'objective',
  direction: 'minimize',
  space: { x: float(-5, 5), y: float(-5, 5) },
  epoch(params: Params): Record<string, number> {
    return { objective: quadratic(params) };
  },
};

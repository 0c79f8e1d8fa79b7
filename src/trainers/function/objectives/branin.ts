import type { Params } from '../../../core/index.ts';
import { float } from '../../../space/index.ts';
import { numberParam } from './params.ts';
import type { BuiltinObjective } from './types.ts';

/**
 * Branin-Hoo, the classic 2-D test function (Dixon & Szego 1978; constants as in Surjanovic &
 * Bingham's Virtual Library of Simulation Experiments). Minimum 0.397887 at three points, e.g.
 * (pi, 2.275). Reported as `objective`, the same value every epoch.
 */
export function branin(x1: number, x2: number): number {
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
}

export const braninObjective: BuiltinObjective = {
  name: 'branin',
  description: 'Branin-Hoo on x1 in [-5, 10], x2 in [0, 15]; minimum 0.397887; constant over epochs',
  defaults: { x1: 0, x2: 0, 'args/epochs': 1 },
  metric: 'objective',
  direction: 'minimize',
  space: { x1: float(-5, 10), x2: float(0, 15) },
  epoch(params: Params): Record<string, number> {
    return { objective: branin(numberParam(params, 'x1', 0, 'branin'), numberParam(params, 'x2', 0, 'branin')) };
  },
};

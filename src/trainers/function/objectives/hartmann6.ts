import type { Params } from '../../../core/index.ts';
import { float } from '../../../space/index.ts';
import { numberParam } from './params.ts';
import type { BuiltinObjective } from './types.ts';

/**
 * Hartmann 6-D (Hartmann 1972; constants from Surjanovic & Bingham's Virtual Library of
 * Simulation Experiments). Minimum -3.32237 at
 * (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573). Reported as `objective`.
 */
const ALPHA = [1.0, 1.2, 3.0, 3.2];
const A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((p) => p * 1e-4));

export function hartmann6(x: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < 4; i++) {
    let inner = 0;
    for (let j = 0; j < 6; j++) inner += A[i][j] * (x[j] - P[i][j]) ** 2;
    sum += ALPHA[i] * Math.exp(-inner);
  }
  return -sum;
}

const NAMES = ['x1', 'x2', 'x3', 'x4', 'x5', 'x6'] as const;

export const hartmann6Objective: BuiltinObjective = {
  name: 'hartmann6',
  description: 'Hartmann 6-D on [0, 1]^6; minimum -3.32237; constant over epochs',
  defaults: { ...Object.fromEntries(NAMES.map((n) => [n, 0.5])), 'args/epochs': 1 },
  metric: 'objective',
  direction: 'minimize',
  space: Object.fromEntries(NAMES.map((n) => [n, float(0, 1)])),
  epoch(params: Params): Record<string, number> {
    return { objective: hartmann6(NAMES.map((n) => numberParam(params, n, 0.5, 'hartmann6'))) };
  },
};

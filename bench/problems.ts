import type { Params, Space } from '../src/core/index.ts';
import { float } from '../src/space/index.ts';

/**
 * Standard synthetic minimization problems with known optima (Surjanovic & Bingham, Virtual
 * Library of Simulation Experiments, sfu.ca/~ssurjano), used by bench/strategies.ts to compare
 * strategies by simple regret (best value found minus the optimum).
 */
export interface Problem {
  name: string;
  space: Space;
  optimum: number;
  evaluate(params: Params): number;
}

const x = (params: Params, i: number): number => params[`x${i}`] as number;

function box(dims: number, low: number, high: number): Space {
  return Object.fromEntries(Array.from({ length: dims }, (_, i) => [`x${i}`, float(low, high)]));
}

export const branin: Problem = {
  name: 'branin',
  space: { x0: float(-5, 10), x1: float(0, 15) },
  optimum: 0.397887357729739,
  evaluate(p) {
    const [x1, x2] = [x(p, 0), x(p, 1)];
    const b = 5.1 / (4 * Math.PI ** 2);
    const c = 5 / Math.PI;
    const t = 1 / (8 * Math.PI);
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
  },
};

const H6_ALPHA = [1.0, 1.2, 3.0, 3.2];
const H6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((v) => v * 1e-4));

export const hartmann6: Problem = {
  name: 'hartmann6',
  space: box(6, 0, 1),
  optimum: -3.322368011415515,
  evaluate(p) {
    let sum = 0;
    for (let i = 0; i < 4; i++) {
      let inner = 0;
      for (let j = 0; j < 6; j++) inner += H6_A[i][j] * (x(p, j) - H6_P[i][j]) ** 2;
      sum += H6_ALPHA[i] * Math.exp(-inner);
    }
    return -sum;
  },
};

export const rosenbrock4: Problem = {
  name: 'rosenbrock4',
  space: box(4, -5, 10),
  optimum: 0,
  evaluate(p) {
    let sum = 0;
    for (let i = 0; i < 3; i++) sum += 100 * (x(p, i + 1) - x(p, i) ** 2) ** 2 + (1 - x(p, i)) ** 2;
    return sum;
  },
};

export const PROBLEMS: readonly Problem[] = [branin, hartmann6, rosenbrock4];

import type { Params, Space } from '../src/core/index.ts';
import { categorical, float } from '../src/space/index.ts';
// One definition of each test function: the function trainer's objectives.
import { branin as braninFn, hartmann6 as hartmann6Fn } from '../src/trainers/function/objectives/index.ts';

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
  evaluate: (p) => braninFn(x(p, 0), x(p, 1)),
};

export const hartmann6: Problem = {
  name: 'hartmann6',
  space: box(6, 0, 1),
  optimum: -3.322368011415515,
  evaluate: (p) => hartmann6Fn(Array.from({ length: 6 }, (_, i) => x(p, i))),
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

/**
 * Hartmann-6 with its last three coordinates restricted to six choices each (categoricals): a
 * categorical-heavy space (3 of 6), where `auto` picks TPE. Regret is measured to Hartmann-6's
 * continuous optimum, so no run reaches 0; rows compare with each other.
 */
export const mixedHartmann6: Problem = {
  name: 'mixed-hartmann6',
  space: {
    ...box(3, 0, 1),
    ...Object.fromEntries([3, 4, 5].map((i) => [`x${i}`, categorical([0, 0.2, 0.4, 0.6, 0.8, 1])])),
  },
  optimum: -3.322368011415515,
  evaluate: (p) => hartmann6Fn(Array.from({ length: 6 }, (_, i) => x(p, i))),
};

export const PROBLEMS: readonly Problem[] = [branin, hartmann6, rosenbrock4, mixedHartmann6];

import type { Direction, PruneVerdict, StudyView, TrialState, TrialView } from '../../../src/core/index.ts';

/** A trial whose curve reports `values` at steps 0, 1, 2, ... (or at `steps` when given). */
export function trial(number: number, values: readonly number[], state: TrialState = 'complete', steps?: readonly number[]): TrialView {
  const intermediate = values.map((value, i) => ({ step: steps ? steps[i] : i, value }));
  return {
    number,
    id: `t${number}`,
    params: {},
    state,
    intermediate,
    ...(state === 'complete' ? { value: values[values.length - 1] } : {}),
  };
}

/** A study view over `trials`; the search space is irrelevant to pruners. */
export function study(trials: readonly TrialView[], direction: Direction = 'maximize'): StudyView {
  return { space: { x: { type: 'float', low: 0, high: 1, log: false } }, direction, trials };
}

/** A constant curve of `n` epochs at `v`. */
export function flat(v: number, n: number): number[] {
  return Array.from({ length: n }, () => v);
}

/** The reason of a verdict, or undefined when the trial continues. */
export function reasonOf(verdict: PruneVerdict): string | undefined {
  return verdict.prune ? verdict.reason : undefined;
}

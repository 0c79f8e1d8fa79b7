/**
 * How a task ended, as a typed value: read everywhere instead of matching prefixes of
 * `statusReason`. The store's `status` says where a task is in its lifecycle; the ending says
 * why a final one got there.
 */
export type EndingKind =
  /** Ran to its last epoch. */
  | 'completed'
  /** Stopped early by the study's pruner; its reported values stay valid. */
  | 'pruned'
  /** The trainer threw, exited non-zero or reported a non-finite loss. */
  | 'failed'
  /** Ran longer than `budget.trialTimeout`, or reported nothing for `budget.stallTimeout`. */
  | 'timeout'
  /** Its process died with the controller or agent (kill -9, a second Ctrl-C); not counted. */
  | 'interrupted'
  /** Stopped on request: `hpo stop`, a study stop, a time budget used up; not counted. */
  | 'stopped';

export interface Ending {
  kind: EndingKind;
  /** One line for people: the pruner's verdict, the error message, who asked for the stop. */
  reason: string;
}

/** Endings that do not use up the study's trial budget: the trial never had its chance. */
export function isUncounted(ending: Ending | undefined): boolean {
  return ending?.kind === 'interrupted' || ending?.kind === 'stopped';
}

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
  /** Its process died with the controller or agent (kill -9, a second Ctrl-C), or it met a store fault; not counted. */
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

/** The ending a move to a final status records when the caller names none. */
export function defaultEnding(status: 'completed' | 'failed' | 'stopped', reason: string | undefined): Ending {
  return { kind: status, reason: reason ?? status };
}

/** Endings a pruner, a user or a timeout ask for end the trial with status `stopped` (timeouts: `failed`). */
export function statusOfEnding(kind: EndingKind): 'completed' | 'failed' | 'stopped' {
  if (kind === 'completed') return 'completed';
  if (kind === 'failed' || kind === 'timeout') return 'failed';
  return 'stopped';
}

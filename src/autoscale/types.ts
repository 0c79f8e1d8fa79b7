/**
 * The autoscaler's words. An instance is one machine (or process, or pod) running one agent,
 * named by us (`name`, its tag, which is also its agent's `--name`) and identified by its
 * provider (`id`: a pid-file key, an EC2 instance id).
 */

/** The rules the decision function applies (all times in ms). */
export interface ScalePolicy {
  /** Instances kept even when idle. */
  min: number;
  /** Instances at most, counting those still stopping. */
  max: number;
  /** An instance whose agent ran nothing this long is stopped (down to `min`). */
  idleMs: number;
  /** Instance-time allowed in all (sum over instances of start -> gone); undefined: no limit. */
  budgetMs?: number;
  /** After a start, no other start for this long. */
  cooldownMs: number;
  /** A new instance whose agent has not beaten within this is declared dead. */
  bootTimeoutMs: number;
  /** An agent seen before and absent this long (its presence record expired) is dead. */
  lostMs: number;
  /** A stop not done after this is repeated, forcefully. */
  stopTimeoutMs: number;
  /** Trials one instance runs at once (its agent's slots). */
  slotsPerInstance: number;
  /**
   * Instance-time set aside per live instance for the stop to take effect, so the budget holds
   * even though a stop is not instant: starts and budget stops look this far ahead.
   */
  budgetReserveMs: number;
}

/** One instance as the autoscaler's record knows it. */
export interface InstanceRecord {
  id: string;
  name: string;
  startedAt: number;
  /** When its agent was last seen present. */
  seenAt?: number;
  /** Set once a stop was sent. */
  stoppingAt?: number;
  stopCause?: StopCause;
  /** Provider details worth keeping (pid, GPU ids). */
  detail?: Record<string, unknown>;
}

/** The autoscaler's whole state: what the store records, what a restart rebuilds. */
export interface ScalerState {
  instances: InstanceRecord[];
  /** Instance-time of instances already gone. */
  closedMs: number;
  lastStartAt?: number;
  /** The last 'hold' reason logged, so an unchanged hold is not logged every tick. */
  holdReason?: string;
}

/** An instance as the provider lists it (tagged ours). */
export interface ListedInstance {
  id: string;
  name: string;
  /** The provider's own launch time, when it knows one. */
  startedAt?: number;
  detail?: Record<string, unknown>;
}

/** What an agent's presence record says (see src/exec/queue/presence.ts). */
export interface AgentSign {
  running: number;
  idleMs: number;
}

/** One tick's observations. */
export interface Observations {
  now: number;
  /** Summed over the watched queues. */
  queue: { waiting: number; delayed: number; active: number };
  /** What the provider lists as running, tagged ours. */
  listed: readonly ListedInstance[];
  /** Agent presence by instance name; a missing name has no live agent. */
  agents: ReadonlyMap<string, AgentSign>;
  /** True on the first tick after (re)starting: instances found are logged as adopted. */
  firstTick: boolean;
}

export type StopCause = 'idle' | 'dead' | 'budget' | 'over-max' | 'stop-timeout';

/** What the autoscaler decided, each with the reason a person reads in the log. */
export type Decision =
  | { kind: 'start'; reason: string }
  | { kind: 'stop'; id: string; name: string; cause: StopCause; force: boolean; reason: string }
  | { kind: 'adopt'; id: string; name: string; reason: string }
  | { kind: 'gone'; id: string; name: string; reason: string }
  | { kind: 'hold'; reason: string };

/** A decision as logged and recorded: the counts it leaves behind, to check the limits from the log alone. */
export type LoggedDecision = Decision & {
  at: number;
  /** Instances counting toward `max` after this decision. */
  instances: number;
  max: number;
  /** Instance-time used so far (ms), and the budget. */
  usedMs: number;
  budgetMs?: number;
  waiting: number;
};

import type { AgentSign, Decision, InstanceRecord, LoggedDecision, Observations, ScalePolicy, ScalerState, StopCause } from './types.ts';

/** Instance-time used: instances gone, plus every known instance from its start until `now`. */
export function usedMs(state: Pick<ScalerState, 'instances' | 'closedMs'>, now: number): number {
  return state.closedMs + state.instances.reduce((sum, i) => sum + Math.max(0, now - i.startedAt), 0);
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

/**
 * The autoscaler's rules as one pure function: the recorded state, this tick's observations and
 * the policy in; the next state and the decisions, each with its reason, out. No I/O and no
 * clock of its own, so every rule is tested by feeding it numbers. The caller carries out the
 * decisions (provider start/stop) and adds each started instance with `recordStart`.
 *
 * In order: instances the provider no longer lists are gone (their time is closed); listed
 * ones the record lacks are adopted; an instance whose agent never beat within the boot
 * timeout, or stopped beating, is stopped as dead (a replacement follows from the start rule);
 * a stop not done in time is forced; the budget, then `max`, stop instances; idle instances
 * stop down to `min` when nothing waits; finally instances start, one per waiting trial's worth
 * of slots up to `max`, after the cool-down and within the budget. Instances still stopping
 * count toward `max`, so `max` holds at the provider, not only in our books.
 */
export function decide(state: ScalerState, obs: Observations, policy: ScalePolicy): { state: ScalerState; decisions: LoggedDecision[] } {
  const now = obs.now;
  const next: ScalerState = { ...state, instances: state.instances.map((i) => ({ ...i })) };
  const waiting = obs.queue.waiting + obs.queue.delayed;
  const decisions: LoggedDecision[] = [];
  let pendingStarts = 0;
  const log = (d: Decision): void => {
    decisions.push({ ...d, at: now, instances: next.instances.length + pendingStarts, max: policy.max, usedMs: usedMs(next, now), budgetMs: policy.budgetMs, waiting });
  };

  const listed = new Map(obs.listed.map((l) => [l.id, l]));
  for (const inst of [...next.instances]) {
    if (listed.has(inst.id)) continue;
    next.closedMs += Math.max(0, now - inst.startedAt);
    next.instances = next.instances.filter((i) => i !== inst);
    const reason = inst.stoppingAt !== undefined ? `stopped (${inst.stopCause})` : 'no longer listed by the provider: it exited or was ended outside the autoscaler';
    log({ kind: 'gone', id: inst.id, name: inst.name, reason });
  }
  for (const l of obs.listed) {
    const known = next.instances.find((i) => i.id === l.id);
    if (!known) {
      next.instances.push({ id: l.id, name: l.name, startedAt: l.startedAt ?? now, detail: l.detail });
      log({ kind: 'adopt', id: l.id, name: l.name, reason: 'listed by the provider with our tag but missing from the record (started by an autoscaler that died before recording it)' });
    } else if (obs.firstTick) {
      log({ kind: 'adopt', id: l.id, name: l.name, reason: 'in the record and still running: adopted after a restart' });
    }
  }

  const stop = (inst: InstanceRecord, cause: StopCause, reason: string, force = false): void => {
    inst.stoppingAt = now;
    if (cause !== 'stop-timeout') inst.stopCause = cause;
    log({ kind: 'stop', id: inst.id, name: inst.name, cause, force, reason });
  };
  for (const inst of next.instances) {
    const sign = obs.agents.get(inst.name);
    if (sign) inst.seenAt = now;
    if (inst.stoppingAt !== undefined) {
      if (now - inst.stoppingAt >= policy.stopTimeoutMs) stop(inst, 'stop-timeout', `still listed ${seconds(now - inst.stoppingAt)} after its stop (${inst.stopCause}): stopping it by force`, true);
    } else if (!sign && inst.seenAt === undefined && now - inst.startedAt >= policy.bootTimeoutMs) {
      stop(inst, 'dead', `its agent never reported within the boot timeout (${seconds(policy.bootTimeoutMs)}): replacing it`);
    } else if (!sign && inst.seenAt !== undefined && now - inst.seenAt >= policy.lostMs) {
      stop(inst, 'dead', `its agent stopped heartbeating ${seconds(now - inst.seenAt)} ago: replacing it`);
    }
  }

  const live = (): InstanceRecord[] => next.instances.filter((i) => i.stoppingAt === undefined);
  const used = usedMs(next, now);
  if (policy.budgetMs !== undefined && live().length > 0 && used + next.instances.length * policy.budgetReserveMs >= policy.budgetMs) {
    for (const inst of live()) {
      stop(inst, 'budget', `instance-time ${seconds(used)} of the ${seconds(policy.budgetMs)} budget, with ${seconds(policy.budgetReserveMs)} per instance set aside for stopping: stopping all`);
    }
  }
  const idleFirst = (a: InstanceRecord, b: InstanceRecord): number => idleOf(obs.agents.get(b.name)) - idleOf(obs.agents.get(a.name));
  const excess = Math.min(live().length, next.instances.length - policy.max);
  for (const inst of live().sort(idleFirst).slice(0, Math.max(0, excess))) {
    stop(inst, 'over-max', `${next.instances.length} instances exceed max ${policy.max}`);
  }
  if (waiting === 0) {
    const idle = live()
      .filter((i) => { const s = obs.agents.get(i.name); return s !== undefined && s.running === 0 && s.idleMs >= policy.idleMs; })
      .sort(idleFirst);
    for (const inst of idle.slice(0, Math.max(0, live().length - policy.min))) {
      stop(inst, 'idle', `its agent ran nothing for ${seconds(obs.agents.get(inst.name)!.idleMs)} (idle limit ${seconds(policy.idleMs)}) and no trial waits`);
    }
  }

  let hold: string | undefined;
  const liveCount = live().length;
  const demand = waiting + obs.queue.active;
  const target = Math.min(policy.max, Math.max(policy.min, Math.ceil(demand / policy.slotsPerInstance)));
  const fitsBudget = (n: number): boolean => policy.budgetMs === undefined || used + n * policy.budgetReserveMs < policy.budgetMs;
  let want = waiting === 0 && liveCount >= policy.min ? 0 : Math.min(target - liveCount, policy.max - next.instances.length);
  if (liveCount < target && (waiting > 0 || liveCount < policy.min)) {
    if (!fitsBudget(next.instances.length + 1)) hold = `budget: ${seconds(used)} of ${seconds(policy.budgetMs!)} used, no room for another instance`;
    else if (want <= 0) hold = `trials wait but ${next.instances.length} instance(s), some still stopping, are at max ${policy.max}`;
    else if (next.lastStartAt !== undefined && now - next.lastStartAt < policy.cooldownMs) hold = `cool-down: no start within ${seconds(policy.cooldownMs)} of the last`;
  }
  if (hold !== undefined) want = 0;
  while (want > 0 && !fitsBudget(next.instances.length + want)) want--;
  for (let k = 0; k < want; k++) {
    pendingStarts++;
    const why = waiting > 0 ? `${waiting} trial(s) wait, ${demand} in all for ${liveCount + k} instance(s)` : `below min ${policy.min}`;
    log({ kind: 'start', reason: `${why} (${policy.slotsPerInstance} slot(s) each, max ${policy.max})` });
  }
  if (want > 0) next.lastStartAt = now;
  if (hold !== undefined && hold !== state.holdReason) log({ kind: 'hold', reason: hold });
  next.holdReason = hold;
  return { state: next, decisions };
}

/** How long an agent has been idle; an agent not heard from sorts first (it is stopped first). */
function idleOf(sign: AgentSign | undefined): number {
  return sign ? sign.idleMs : Number.POSITIVE_INFINITY;
}

/** The state with an instance the caller started after a `start` decision. */
export function recordStart(state: ScalerState, instance: InstanceRecord): ScalerState {
  return { ...state, instances: [...state.instances, instance] };
}

/** The state a first run starts from. */
export const EMPTY_STATE: ScalerState = { instances: [], closedMs: 0 };

import { describe, expect, it } from 'vitest';
import { EMPTY_STATE, decide, recordStart, usedMs } from '../../src/autoscale/decide.ts';
import type { AgentSign, ListedInstance, Observations, ScalePolicy, ScalerState } from '../../src/autoscale/types.ts';

const policy: ScalePolicy = {
  min: 0,
  max: 3,
  idleMs: 5_000,
  cooldownMs: 1_000,
  bootTimeoutMs: 30_000,
  lostMs: 3_000,
  stopTimeoutMs: 20_000,
  slotsPerInstance: 1,
  budgetReserveMs: 0,
};

function obs(now: number, over: Partial<Observations> = {}): Observations {
  return { now, queue: { waiting: 0, delayed: 0, active: 0 }, listed: [], agents: new Map(), firstTick: false, ...over };
}
const listedOf = (s: ScalerState): ListedInstance[] => s.instances.map((i) => ({ id: i.id, name: i.name }));
const agents = (entries: Record<string, AgentSign>) => new Map(Object.entries(entries));
const kinds = (ds: { kind: string }[]) => ds.map((d) => d.kind);

/** Starts `n` instances named i0.. as the runner would after the start decisions. */
function started(n: number, at: number, state: ScalerState = EMPTY_STATE): ScalerState {
  let s: ScalerState = { ...state, lastStartAt: at };
  for (let k = 0; k < n; k++) s = recordStart(s, { id: `id${s.instances.length}`, name: `i${s.instances.length}`, startedAt: at });
  return s;
}

describe('decide: the autoscaler rules as a pure function', () => {
  it('starts one instance per waiting trial, up to max, and never more than max', () => {
    const r = decide(EMPTY_STATE, obs(0, { queue: { waiting: 12, delayed: 0, active: 0 } }), policy);
    expect(kinds(r.decisions)).toEqual(['start', 'start', 'start']);
    expect(r.decisions.map((d) => d.instances)).toEqual([1, 2, 3]);
    expect(r.decisions[0].reason).toMatch(/12 trial\(s\) wait/);
    const two = decide(EMPTY_STATE, obs(0, { queue: { waiting: 2, delayed: 0, active: 0 } }), policy);
    expect(kinds(two.decisions)).toEqual(['start', 'start']);
  });

  it('counts delayed jobs as waiting, and booting instances as capacity (no duplicate starts)', () => {
    const s = started(2, 0);
    const r = decide(s, obs(5_000, { queue: { waiting: 1, delayed: 1, active: 0 }, listed: listedOf(s) }), policy);
    expect(r.decisions).toEqual([]);
  });

  it('waits out the cool-down, logging the hold once', () => {
    const s = started(1, 0);
    const o = obs(500, { queue: { waiting: 5, delayed: 0, active: 1 }, listed: listedOf(s), agents: agents({ i0: { running: 1, idleMs: 0 } }) });
    const r = decide(s, o, policy);
    expect(kinds(r.decisions)).toEqual(['hold']);
    expect(r.decisions[0].reason).toMatch(/cool-down/);
    expect(decide(r.state, { ...o, now: 600 }, policy).decisions).toEqual([]);
    expect(kinds(decide(r.state, { ...o, now: 1_000 }, policy).decisions)).toEqual(['start', 'start']);
  });

  it('stops instances idle for the idle period, down to min, only when nothing waits', () => {
    const s = started(3, 0);
    const idle = agents({ i0: { running: 0, idleMs: 6_000 }, i1: { running: 0, idleMs: 9_000 }, i2: { running: 1, idleMs: 0 } });
    const r = decide(s, obs(10_000, { listed: listedOf(s), agents: idle }), { ...policy, min: 2 });
    expect(r.decisions.map((d) => [d.kind, 'name' in d ? d.name : ''])).toEqual([['stop', 'i1']]);
    expect(r.decisions[0].reason).toMatch(/ran nothing for 9.0 s/);
    const all = decide(s, obs(10_000, { listed: listedOf(s), agents: idle }), policy);
    expect(all.decisions.map((d) => ('name' in d ? d.name : ''))).toEqual(['i1', 'i0']);
    const busy = decide(s, obs(10_000, { listed: listedOf(s), agents: idle, queue: { waiting: 1, delayed: 0, active: 1 } }), policy);
    expect(busy.decisions.filter((d) => d.kind === 'stop')).toEqual([]);
    const short = decide(s, obs(10_000, { listed: listedOf(s), agents: agents({ i0: { running: 0, idleMs: 4_999 } }) }), policy);
    expect(short.decisions.filter((d) => d.kind === 'stop')).toEqual([]);
  });

  it('replaces an instance whose agent stopped heartbeating, and one that never beat within the boot timeout', () => {
    let s = started(2, 0);
    s = decide(s, obs(1_000, { listed: listedOf(s), agents: agents({ i0: { running: 1, idleMs: 0 } }) }), policy).state;
    // i0 seen at 1000 then absent; i1 never seen.
    const o = obs(4_000, { listed: listedOf(s), queue: { waiting: 1, delayed: 0, active: 1 } });
    const r = decide(s, o, { ...policy, max: 2 });
    expect(r.decisions.map((d) => d.kind)).toEqual(['stop', 'hold']);
    expect(r.decisions[1].reason).toMatch(/at max 2/);
    expect(r.decisions[0]).toMatchObject({ name: 'i0', cause: 'dead' });
    // Once the dead instance is gone from the provider, a replacement starts.
    const after = decide(r.state, { ...o, now: 5_000, listed: listedOf(r.state).filter((l) => l.name !== 'i0') }, { ...policy, max: 2 });
    expect(kinds(after.decisions)).toEqual(['gone', 'start']);
    const boot = decide(s, { ...o, now: 30_000, agents: agents({ i0: { running: 1, idleMs: 0 } }) }, policy);
    expect(boot.decisions[0]).toMatchObject({ kind: 'stop', name: 'i1', cause: 'dead' });
    expect(boot.decisions[0].reason).toMatch(/never reported/);
  });

  it('forces a stop that did not finish in time', () => {
    const s = started(1, 0);
    const stopped = decide(s, obs(6_000, { listed: listedOf(s), agents: agents({ i0: { running: 0, idleMs: 6_000 } }) }), policy).state;
    expect(decide(stopped, obs(20_000, { listed: listedOf(stopped) }), policy).decisions).toEqual([]);
    const r = decide(stopped, obs(26_000, { listed: listedOf(stopped) }), policy);
    expect(r.decisions[0]).toMatchObject({ kind: 'stop', cause: 'stop-timeout', force: true });
  });

  it('adopts instances listed but not recorded, and logs recorded ones as adopted after a restart', () => {
    const s = started(1, 0);
    const r = decide(s, obs(100, { listed: [...listedOf(s), { id: 'x', name: 'ix', startedAt: 50 }], firstTick: true, queue: { waiting: 0, delayed: 0, active: 2 } }), policy);
    expect(r.decisions.map((d) => [d.kind, 'id' in d ? d.id : ''])).toEqual([['adopt', 'id0'], ['adopt', 'x']]);
    expect(r.state.instances.map((i) => i.id)).toEqual(['id0', 'x']);
    expect(r.state.instances[1].startedAt).toBe(50);
  });

  it('closes the time of instances that are gone and counts it against the budget', () => {
    const s = started(2, 0);
    const r = decide(s, obs(10_000, { listed: [listedOf(s)[0]] }), policy);
    expect(r.decisions[0]).toMatchObject({ kind: 'gone', name: 'i1' });
    expect(r.state.closedMs).toBe(10_000);
    expect(usedMs(r.state, 10_000)).toBe(20_000);
  });

  it('never starts past the budget and stops everything before it runs out', () => {
    const budget = { ...policy, budgetMs: 60_000, budgetReserveMs: 10_000 };
    const r = decide(EMPTY_STATE, obs(0, { queue: { waiting: 10, delayed: 0, active: 0 } }), budget);
    // 3 instances would need 30 s set aside: fine. A fourth would pass max anyway.
    expect(kinds(r.decisions)).toEqual(['start', 'start', 'start']);
    const s = started(3, 0);
    const late = decide(s, obs(10_000, { listed: listedOf(s), queue: { waiting: 10, delayed: 0, active: 3 } }), budget);
    expect(late.decisions.map((d) => [d.kind, 'cause' in d ? d.cause : ''])).toEqual([['stop', 'budget'], ['stop', 'budget'], ['stop', 'budget'], ['hold', '']]);
    expect(late.decisions[3].reason).toMatch(/^budget/);
    expect(late.decisions.every((d) => d.usedMs <= 60_000)).toBe(true);
    const partial = decide(started(1, 0), obs(20_000, { listed: [{ id: 'id0', name: 'i0' }], queue: { waiting: 10, delayed: 0, active: 1 } }), budget);
    // 20 s used + (1 + k) x 10 s must stay under 60 s: k = 2 would reach 50 s, k = 3 is past max.
    expect(kinds(partial.decisions)).toEqual(['start', 'start']);
    const none = decide(started(1, 0), obs(45_000, { listed: [{ id: 'id0', name: 'i0' }], agents: agents({ i0: { running: 1, idleMs: 0 } }), queue: { waiting: 10, delayed: 0, active: 1 } }), budget);
    expect(kinds(none.decisions)).toEqual(['hold']);
    expect(none.decisions[0].reason).toMatch(/^budget/);
  });

  it('stops instances over max (max lowered across a restart), the idlest first', () => {
    const s = started(3, 0);
    const r = decide(s, obs(1_000, { listed: listedOf(s), agents: agents({ i0: { running: 1, idleMs: 0 }, i1: { running: 0, idleMs: 500 }, i2: { running: 1, idleMs: 0 } }) }), { ...policy, max: 2 });
    expect(r.decisions).toHaveLength(1);
    expect(r.decisions[0]).toMatchObject({ kind: 'stop', name: 'i1', cause: 'over-max' });
  });

  it('keeps min instances up with nothing to do, and groups trials by slots per instance', () => {
    expect(kinds(decide(EMPTY_STATE, obs(0), { ...policy, min: 2 }).decisions)).toEqual(['start', 'start']);
    const r = decide(EMPTY_STATE, obs(0, { queue: { waiting: 5, delayed: 0, active: 0 } }), { ...policy, slotsPerInstance: 2, max: 4 });
    expect(kinds(r.decisions)).toEqual(['start', 'start', 'start']);
  });
});

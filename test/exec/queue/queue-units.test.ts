import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { agentTiming, bullPrefix, jobIdFor, parseJobPayload } from '../../../src/exec/queue/index.ts';
import { taskIdOfJob } from '../../../src/exec/queue/queue-keys.ts';
import { SlotPool } from '../../../src/exec/queue/slots.ts';

describe('queue building blocks', () => {
  it('derives the fault-tolerance clocks so a dead agent is recovered at the first stalled check', () => {
    const t = agentTiming();
    expect(t).toEqual({ lockDurationMs: 15_000, stalledIntervalMs: 10_000, maxStalledCount: 3, heartbeatMs: 2_000, staleMs: 6_000 });
    // At stall detection the dead agent's last beat is at least lockDuration/2 old: past staleness.
    expect(t.staleMs).toBeLessThanOrEqual(t.lockDurationMs / 2);
    expect(t.staleMs).toBeGreaterThanOrEqual(2 * t.heartbeatMs);
    expect(() => agentTiming({ lockDurationMs: 500 })).toThrow('lockDurationMs must be at least 1000 ms, got 500');
    expect(() => agentTiming({ heartbeatMs: 5_000 })).toThrow('staleMs (6000) must be at least twice heartbeatMs (5000)');
  });

  it('maps task ids to BullMQ job ids and back, marking the integer-looking ones BullMQ refuses', () => {
    for (const id of ['mwzcbw4zztwsui', 'abc_1-2', '0123', '123', '7']) {
      expect(taskIdOfJob(jobIdFor(id))).toBe(id);
      expect(String(Number.parseInt(jobIdFor(id), 10)) === jobIdFor(id)).toBe(false);
    }
    expect(jobIdFor('123')).toBe('n.123');
    expect(bullPrefix('hpo:')).toBe('hpo:q');
    expect(bullPrefix('team')).toBe('team:q');
  });

  it('parses job payloads strictly and fails bad ones as unrecoverable, naming field and value', () => {
    expect(parseJobPayload({ kind: 'trial', taskId: 'abc123', store: 's' }, 'abc123')).toEqual({ kind: 'trial', taskId: 'abc123', store: 's' });
    const bad = (() => {
      try {
        parseJobPayload({ kind: 'shell', taskId: 'a/b', store: 's' }, 'j1');
      } catch (error) {
        return error as Error;
      }
    })();
    expect(bad).toBeInstanceOf(UnrecoverableError);
    expect(bad!.message).toContain('payload of job "j1"');
    expect(bad!.message).toContain('(received "shell")');
    expect(bad!.message).toContain('→ at kind');
    expect(bad!.message).toContain('(received "a/b")');
  });

  it('hands out each GPU to one slot at a time', () => {
    const pool = new SlotPool(2, ['3', '5']);
    const a = pool.claim();
    const b = pool.claim();
    expect([a?.gpu, b?.gpu]).toEqual(['3', '5']);
    expect(pool.claim()).toBeUndefined();
    pool.release(a!.slot);
    expect(pool.claim()).toEqual({ slot: 0, gpu: '3' });
  });
});

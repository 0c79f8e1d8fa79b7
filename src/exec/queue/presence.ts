import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { agentPresenceKey } from './queue-keys.ts';

/**
 * What an agent says about itself every heartbeat, in a Redis key that expires unless renewed:
 * a present key means a live agent, an absent one a dead (or hung) one. The agent's own clock
 * measures `idleMs`, so readers on other machines need no synchronized clocks.
 */
export const agentPresenceSchema = z.object({
  name: z.string(),
  queues: z.array(z.string()),
  host: z.string(),
  pid: z.number().int(),
  /** Trial slots (concurrency) and how many run now. */
  slots: z.number().int().min(1),
  running: z.number().int().min(0),
  /** How long the agent has run nothing (0 while busy), as of this beat. */
  idleMs: z.number().min(0),
});

export type AgentPresence = z.output<typeof agentPresenceSchema>;

export interface PresenceOptions {
  connection: Redis;
  prefix?: string;
  name: string;
  queues: readonly string[];
  slots: number;
  /** How many tasks run now (read on every beat). */
  running(): number;
  everyMs: number;
  /** The key lives this long after the last beat: the agents' staleness. */
  ttlMs: number;
  now(): number;
  onError(error: unknown): void;
}

/**
 * Beats the agent's presence record every `everyMs` (the first at once). Returns a function
 * that stops beating and deletes the record, so a clean exit is not mistaken for a death.
 */
export function startPresence(options: PresenceOptions): () => Promise<void> {
  const key = agentPresenceKey(options.name, options.prefix);
  let busyAt = options.now();
  let inFlight = false;
  let stopped = false;
  const beat = async (): Promise<void> => {
    if (inFlight || stopped) return; // Redis away: one beat waits, the rest skip
    inFlight = true;
    const now = options.now();
    const running = options.running();
    if (running > 0) busyAt = now;
    const record: AgentPresence = {
      name: options.name,
      queues: [...options.queues],
      host: hostname(),
      pid: process.pid,
      slots: options.slots,
      running,
      idleMs: running > 0 ? 0 : now - busyAt,
    };
    try {
      await options.connection.set(key, JSON.stringify(record), 'PX', options.ttlMs);
    } catch (error) {
      options.onError(error);
    } finally {
      inFlight = false;
    }
  };
  void beat();
  const timer = setInterval(() => void beat(), options.everyMs);
  return async () => {
    stopped = true;
    clearInterval(timer);
    await options.connection.del(key).catch(() => {});
  };
}

/** The presence records of the agents named, by name; absent (expired) ones are left out. */
export async function readPresence(connection: Redis, names: readonly string[], prefix?: string): Promise<Map<string, AgentPresence>> {
  const found = new Map<string, AgentPresence>();
  if (names.length === 0) return found;
  const values = await connection.mget(...names.map((n) => agentPresenceKey(n, prefix)));
  values.forEach((raw, i) => {
    if (raw === null) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return; // not a record we wrote: treat as absent
    }
    const result = agentPresenceSchema.safeParse(parsed);
    if (result.success) found.set(names[i], result.data);
  });
  return found;
}

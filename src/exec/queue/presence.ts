import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { agentPattern, agentPresenceKey } from './queue-keys.ts';

/**
 * What an agent says about itself every heartbeat, in a Redis key that expires unless renewed:
 * a present key means a live agent, an absent one a dead (or hung) one. `hpo agents` and
 * `hpo queues` list these records, the autoscaler reads them by name, and `hpo run --queue`
 * warns when no record lists its queue. The agent's own clock measures `idleMs`, so readers on
 * other machines need no synchronized clocks.
 */
export const agentPresenceSchema = z.object({
  name: z.string(),
  queues: z.array(z.string()),
  host: z.string(),
  pid: z.number().int(),
  /** Trial slots (concurrency). */
  slots: z.number().int().min(1),
  gpus: z.array(z.string()).optional(),
  /** Ids of the tasks it runs now. */
  running: z.array(z.string()),
  /** How long the agent has run nothing (0 while busy), as of this beat. */
  idleMs: z.number().min(0),
  /** The hpo version the agent runs. */
  version: z.string().optional(),
  startedAt: z.number(),
  beatAt: z.number(),
});

export type AgentPresence = z.output<typeof agentPresenceSchema>;

export interface PresenceOptions {
  connection: Redis;
  prefix?: string;
  name: string;
  queues: readonly string[];
  slots: number;
  gpus?: readonly string[];
  version?: string;
  /** Ids of the tasks running now (read on every beat). */
  running(): string[];
  everyMs: number;
  /** The key lives this long after the last beat: the agents' staleness. */
  ttlMs: number;
  now(): number;
  onError(error: unknown): void;
}

/** A running presence beat: `beat` writes the record now (after a task starts or ends), `stop` deletes it. */
export interface Presence {
  beat(): void;
  stop(): Promise<void>;
}

/**
 * Beats the agent's presence record every `everyMs` (the first at once) and on demand. `stop`
 * stops beating and deletes the record, so a clean exit is not mistaken for a death.
 */
export function startPresence(options: PresenceOptions): Presence {
  const key = agentPresenceKey(options.name, options.prefix);
  const startedAt = options.now();
  let busyAt = startedAt;
  let inFlight = false;
  let stopped = false;
  const beat = async (): Promise<void> => {
    if (inFlight || stopped) return; // Redis away: one beat waits, the rest skip
    inFlight = true;
    const now = options.now();
    const running = options.running();
    if (running.length > 0) busyAt = now;
    const record: AgentPresence = {
      name: options.name,
      queues: [...options.queues],
      host: hostname(),
      pid: process.pid,
      slots: options.slots,
      ...(options.gpus?.length ? { gpus: [...options.gpus] } : {}),
      running,
      idleMs: running.length > 0 ? 0 : now - busyAt,
      ...(options.version ? { version: options.version } : {}),
      startedAt,
      beatAt: now,
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
  return {
    beat: () => void beat(),
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await options.connection.del(key).catch(() => {});
    },
  };
}

function parseRecord(raw: string | null): AgentPresence | undefined {
  if (raw === null) return undefined;
  try {
    const result = agentPresenceSchema.safeParse(JSON.parse(raw));
    return result.success ? result.data : undefined;
  } catch {
    return undefined; // not a record we wrote: treat as absent
  }
}

/** The presence records of the agents named, by name; absent (expired) ones are left out. */
export async function readPresence(connection: Redis, names: readonly string[], prefix?: string): Promise<Map<string, AgentPresence>> {
  const found = new Map<string, AgentPresence>();
  if (names.length === 0) return found;
  const values = await connection.mget(...names.map((n) => agentPresenceKey(n, prefix)));
  values.forEach((raw, i) => {
    const record = parseRecord(raw);
    if (record) found.set(names[i], record);
  });
  return found;
}

/** Every live agent's record under `prefix` (malformed ones skipped), sorted by name. */
export async function listAgents(connection: Redis, prefix?: string): Promise<AgentPresence[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await connection.scan(cursor, 'MATCH', agentPattern(prefix), 'COUNT', 500);
    keys.push(...found);
    cursor = next;
  } while (cursor !== '0');
  if (!keys.length) return [];
  const values = await connection.mget(...keys);
  return values.flatMap((v) => parseRecord(v) ?? []).sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Calls `onSilent` once when no agent has listened to `queue` for `afterMs` (checked every
 * `everyMs`); a listener appearing resets the clock. Returns a function that stops watching.
 * For `hpo run --queue`, which would otherwise wait for ever without a word.
 */
export function watchQueueListeners(
  connection: Redis,
  options: { prefix?: string; queue: string; afterMs?: number; everyMs?: number; now?: () => number; onSilent: (silentMs: number) => void },
): () => void {
  const now = options.now ?? Date.now;
  const afterMs = options.afterMs ?? 30_000;
  let lastHeard = now();
  let warned = false;
  const check = async (): Promise<void> => {
    const listening = (await listAgents(connection, options.prefix)).filter((a) => a.queues.includes(options.queue));
    if (listening.length) {
      lastHeard = Math.max(lastHeard, ...listening.map((a) => a.beatAt));
      warned = false;
    } else if (!warned && now() - lastHeard >= afterMs) {
      warned = true;
      options.onSilent(now() - lastHeard);
    }
  };
  const timer = setInterval(() => void check().catch(() => {}), options.everyMs ?? 5_000);
  return () => clearInterval(timer);
}

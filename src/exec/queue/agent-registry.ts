import type { Redis } from 'ioredis';
import { z } from 'zod';
import { agentKey, agentPattern } from './queue-keys.ts';

/** What an agent says about itself every few seconds (a Redis string that expires unless renewed). */
export const agentRecordSchema = z.object({
  name: z.string(),
  host: z.string(),
  pid: z.number(),
  queues: z.array(z.string()),
  concurrency: z.number(),
  gpus: z.array(z.string()).optional(),
  running: z.array(z.string()),
  version: z.string().optional(),
  startedAt: z.number(),
  beatAt: z.number(),
});
export type AgentRecord = z.output<typeof agentRecordSchema>;

/** How often an agent renews its record, and how long a record outlives its last renewal. */
export const AGENT_BEAT_MS = 5_000;
export const AGENT_RECORD_TTL_MS = 60_000;

/**
 * Writes the agent's record now and every `everyMs`, each with a TTL so a dead agent's record
 * disappears on its own; returns a function that stops beating and deletes the record. A
 * failed write (Redis briefly away) is reported and the next beat tries again.
 */
export function startAgentBeacon(
  redis: Redis,
  prefix: string | undefined,
  describe: () => Omit<AgentRecord, 'beatAt'>,
  options: { everyMs?: number; now?: () => number; onError?: (error: unknown) => void } = {},
): () => Promise<void> {
  const now = options.now ?? Date.now;
  const write = async (): Promise<void> => {
    const record = { ...describe(), beatAt: now() };
    await redis.set(agentKey(prefix, record.name), JSON.stringify(record), 'PX', AGENT_RECORD_TTL_MS);
  };
  const beat = (): void => void write().catch((error: unknown) => options.onError?.(error));
  beat();
  const timer = setInterval(beat, options.everyMs ?? AGENT_BEAT_MS);
  return async () => {
    clearInterval(timer);
    await redis.del(agentKey(prefix, describe().name)).catch(() => {});
  };
}

/** Every agent record under `prefix` (malformed ones skipped), by name. */
export async function listAgents(redis: Redis, prefix?: string): Promise<AgentRecord[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', agentPattern(prefix), 'COUNT', 500);
    keys.push(...found);
    cursor = next;
  } while (cursor !== '0');
  if (!keys.length) return [];
  const values = await redis.mget(...keys);
  return values
    .flatMap((v) => {
      try {
        const parsed = agentRecordSchema.safeParse(JSON.parse(v ?? ''));
        return parsed.success ? [parsed.data] : [];
      } catch {
        return [];
      }
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Calls `onSilent` once when no agent has listened to `queue` for `afterMs` (checked every
 * `everyMs`); a listener appearing resets the clock. Returns a function that stops watching.
 * For `hpo run --queue`, which would otherwise wait for ever without a word.
 */
export function watchQueueListeners(
  redis: Redis,
  options: { prefix?: string; queue: string; afterMs?: number; everyMs?: number; now?: () => number; onSilent: (silentMs: number) => void },
): () => void {
  const now = options.now ?? Date.now;
  const afterMs = options.afterMs ?? 30_000;
  let lastHeard = now();
  let warned = false;
  const check = async (): Promise<void> => {
    const agents = await listAgents(redis, options.prefix);
    const listening = agents.filter((a) => a.queues.includes(options.queue));
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

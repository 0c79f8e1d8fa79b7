import type { Redis } from 'ioredis';

/**
 * The Lua scripts of the Redis store. Each runs atomically inside Redis, which is what makes
 * the store safe for many agents on many machines. Status rules are NOT duplicated here:
 * the caller computes the next record with the shared pure functions (src/store/transition.ts)
 * from a record it read at revision `rev`, and `commit` installs it only if the record is
 * still at `rev`. A lost race re-reads and re-applies the rules, so a compare-and-set such as
 * `setStatus(id, 'running', { expect: ['queued'] })` has exactly one winner across machines.
 */

/** KEYS: task, all-index, project-index[, children-index]; ARGV: data, createdAt, id. 1 created, 0 id taken. */
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[1], 'rev', '1')
for i = 2, #KEYS do redis.call('ZADD', KEYS[i], ARGV[2], ARGV[3]) end
return 1
`;

/** KEYS: task; ARGV: expected rev, new data. 1 committed, 0 revision moved on, -1 no such task. */
const COMMIT = `
local rev = redis.call('HGET', KEYS[1], 'rev')
if not rev then return -1 end
if rev ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[2], 'rev', tostring(tonumber(rev) + 1))
return 1
`;

/** KEYS: task, target; ARGV: mode (rpush | append), value. -1 when the task does not exist. */
const WRITE_IF_EXISTS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if ARGV[1] == 'rpush' then return redis.call('RPUSH', KEYS[2], ARGV[2]) end
return redis.call('APPEND', KEYS[2], ARGV[2])
`;

type Arg = string | number | Buffer;

export interface StoreScripts {
  create(keys: string[], data: string, createdAt: number, id: string): Promise<number>;
  commit(taskKey: string, rev: string, data: string): Promise<number>;
  writeIfExists(taskKey: string, target: string, mode: 'rpush' | 'append', value: string): Promise<number>;
}

/**
 * Registers the scripts on `client` (ioredis sends them by SHA and re-loads them after a
 * Redis restart flushed the script cache) and returns typed callers.
 */
export function storeScripts(client: Redis): StoreScripts {
  client.defineCommand('hpoStoreCreate', { lua: CREATE });
  client.defineCommand('hpoStoreCommit', { numberOfKeys: 1, lua: COMMIT });
  client.defineCommand('hpoStoreWrite', { numberOfKeys: 2, lua: WRITE_IF_EXISTS });
  const call = (name: string, ...args: Arg[]): Promise<number> =>
    (client as unknown as Record<string, (...a: Arg[]) => Promise<number>>)[name](...args);
  return {
    create: (keys, data, createdAt, id) => call('hpoStoreCreate', keys.length, ...keys, data, createdAt, id),
    commit: (taskKey, rev, data) => call('hpoStoreCommit', taskKey, rev, data),
    writeIfExists: (taskKey, target, mode, value) => call('hpoStoreWrite', taskKey, target, mode, value),
  };
}

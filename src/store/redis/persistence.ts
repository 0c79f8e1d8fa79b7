import type { Redis } from 'ioredis';

/**
 * Whether a Redis restart would lose what is stored in it: no append-only file and no RDB
 * snapshots. Read from `INFO persistence` (aof_enabled) and `CONFIG GET save`; when CONFIG is
 * disabled (managed Redis), only the AOF flag is known and no warning is given.
 */
export async function losesDataOnRestart(client: Redis): Promise<boolean> {
  const info = await client.info('persistence');
  if (/^aof_enabled:1/m.test(info)) return false;
  try {
    const reply = (await client.config('GET', 'save')) as string[];
    return reply.length >= 2 && reply[1].trim() === '';
  } catch {
    return false;
  }
}

const warned = new Set<string>();

/** Warns once per URL and process when a restart of the Redis at `url` would wipe the store. */
export async function warnIfVolatile(client: Redis, url: string, warn: (message: string) => void): Promise<void> {
  if (warned.has(url)) return;
  let volatile: boolean;
  try {
    volatile = await losesDataOnRestart(client);
  } catch {
    return; // INFO refused (ACL): nothing to say
  }
  if (!volatile) return;
  warned.add(url);
  warn(
    `Redis at ${url} keeps no persistence (no AOF, no RDB snapshots): a restart loses the whole task store. ` +
      'Turn on `appendonly yes` (or a `save` schedule) in its config.',
  );
}

import { Redis, type RedisOptions } from 'ioredis';
import { ConfigError } from '../../core/index.ts';
import { RedisUnavailableError } from './errors.ts';

export interface ConnectOptions {
  /** How long the first connection may take before start fails. Default 5000 ms. */
  connectTimeoutMs?: number;
  /**
   * Reconnection attempts a command waits through once connected (ioredis' maxRetriesPerRequest).
   * `null` = wait for Redis forever (what BullMQ workers need). Default 20 (about 30 s of outage).
   */
  maxRetriesPerRequest?: number | null;
  /** Called with connection errors after start (Redis restarted, network down); they are retried. */
  onError?: (error: Error) => void;
}

/** Longest pause between reconnection attempts once a connection has worked. */
const MAX_RECONNECT_DELAY_MS = 2_000;

/**
 * Throws ConfigError unless `url` is a `redis://` or `rediss://` URL; returns the parsed URL.
 * Callers pass the user's text; the message never repeats a password.
 */
export function parseRedisUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`Invalid Redis URL ${JSON.stringify(redactUrl(url))}: expected redis://[:password@]host:port[/db] (or rediss:// for TLS).`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ConfigError(`Invalid Redis URL ${JSON.stringify(redactUrl(url))}: the scheme must be redis:// or rediss:// (TLS), got ${parsed.protocol}//.`);
  }
  return parsed;
}

/** `url` with any password replaced by `***`, safe for logs, errors and job payloads. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/([^/@:]*):[^/@]*@/, '//$1:***@');
  }
}

/**
 * Opens an ioredis client to `url` and fails fast: if the first connection or PING does not
 * succeed within the timeout, throws RedisUnavailableError naming the URL (password hidden).
 * Once connected, the client reconnects on its own forever (Redis restarted mid-study), with
 * commands waiting per `maxRetriesPerRequest`. TLS comes from `rediss://`, credentials and db
 * from the URL.
 */
export async function connectRedis(url: string, options: ConnectOptions = {}): Promise<Redis> {
  parseRedisUrl(url);
  const shown = redactUrl(url);
  let connectedOnce = false;
  const redisOptions: RedisOptions = {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    maxRetriesPerRequest: options.maxRetriesPerRequest === undefined ? 20 : options.maxRetriesPerRequest,
    // Before the first success there is nothing to resume: give up at once so start fails fast.
    retryStrategy: (times) => (connectedOnce ? Math.min(100 * times, MAX_RECONNECT_DELAY_MS) : null),
  };
  const client = new Redis(url, redisOptions);
  let firstError: Error | undefined;
  client.on('error', (error: Error) => {
    if (!connectedOnce) firstError ??= error;
    else options.onError?.(error);
  });
  try {
    await client.connect();
    const pong = await client.ping();
    if (pong !== 'PONG') throw new Error(`PING answered ${JSON.stringify(pong)}`);
  } catch (error) {
    client.disconnect();
    const detail = describe(firstError ?? error);
    throw new RedisUnavailableError(shown, detail, { cause: error });
  }
  connectedOnce = true;
  return client;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${code} ${error.message}` : error.message;
  }
  return String(error);
}

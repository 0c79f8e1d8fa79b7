import { Redis, type RedisOptions } from 'ioredis';
import { ConfigError, settlesWithin } from '../../core/index.ts';
import { RedisOutageError, RedisUnavailableError } from './errors.ts';
import { downSeconds, watchClient } from './outage.ts';
import { credentialsParsed, redactUrl, tryParse } from '../url.ts';

export interface ConnectOptions {
  /** How long the first connection may take before start fails. Default 5000 ms. */
  connectTimeoutMs?: number;
  /**
   * Reconnection attempts a command waits through once connected (ioredis' maxRetriesPerRequest).
   * `null` = wait for Redis forever (what BullMQ workers need). Default 20 (about 20 s of outage).
   */
  maxRetriesPerRequest?: number | null;
  /** Called with errors after start other than connection loss (which outage.ts reports once per outage). */
  onError?: (error: Error) => void;
  /** The flags that point elsewhere, for the unreachable message. Default `--store / REDIS_URL`. */
  flags?: string;
}

/** Longest pause between reconnection attempts once a connection has worked. */
const MAX_RECONNECT_DELAY_MS = 2_000;

/**
 * Throws ConfigError unless `url` is a `redis://` or `rediss://` URL; returns the parsed URL.
 * Callers pass the user's text; the message never repeats a password.
 */
export function parseRedisUrl(url: string): URL {
  const parsed = tryParse(url);
  if (!parsed || !credentialsParsed(url, parsed)) {
    throw new ConfigError(
      `Invalid Redis URL ${JSON.stringify(redactUrl(url))}: expected redis://[:password@]host:port[/db] (or rediss:// for TLS). ` +
        'A password holding "/", "?", "#", "@" or ":" must be percent-encoded (encodeURIComponent; "/" is %2F).',
    );
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ConfigError(`Invalid Redis URL ${JSON.stringify(redactUrl(url))}: the scheme must be redis:// or rediss:// (TLS), got ${parsed.protocol}//.`);
  }
  return parsed;
}

export { redactUrl };

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
  const onFirstError = (error: Error): void => {
    firstError ??= error;
  };
  client.on('error', onFirstError);
  try {
    await client.connect();
    const pong = await client.ping();
    if (pong !== 'PONG') throw new Error(`PING answered ${JSON.stringify(pong)}`);
  } catch (error) {
    client.disconnect();
    const detail = describe(firstError ?? error);
    throw new RedisUnavailableError(shown, detail, { cause: error, flags: options.flags });
  }
  connectedOnce = true;
  // From now on an outage is one line when it starts and one when it ends (outage.ts).
  client.off('error', onFirstError);
  watchClient(client, shown, options.onError);
  return client;
}

/**
 * A command that gave up during an outage (ioredis' MaxRetriesPerRequestError, after the
 * client's reconnection attempts) as RedisOutageError naming `url`; any other error as it is.
 */
export function asOutageError(error: unknown, url: string): unknown {
  return (error as Error | undefined)?.name === 'MaxRetriesPerRequestError' ? new RedisOutageError(url, downSeconds(url), { cause: error }) : error;
}

/**
 * Closes a client without waiting on an unreachable Redis: QUIT when connected (so pending
 * replies arrive, at most `timeoutMs`), then disconnect. A QUIT queued behind commands that
 * wait for a Redis that is gone would otherwise hold the process until Redis returns.
 */
export async function closeRedis(client: Redis, timeoutMs = 2_000): Promise<void> {
  if (client.status === 'ready') await settlesWithin(client.quit(), timeoutMs);
  // An ended client has no socket; disconnect() on it would arm a 2 s timer that holds the exit.
  if (client.status !== 'end') client.disconnect();
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${code} ${error.message}` : error.message;
  }
  return String(error);
}

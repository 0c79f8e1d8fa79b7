import type { EventEmitter } from 'node:events';

/**
 * One line when Redis becomes unreachable and one when it answers again, per URL, however many
 * connections (store, queue, events, BullMQ's own duplicates) see the outage. Replaces a stack
 * of `connect ECONNREFUSED` dumps per retry with what an operator needs: where, and since when.
 */
export type RedisLog = (message: string) => void;

let sink: RedisLog = (message) => process.stderr.write(`warning: ${message}\n`);

/** Where outage and persistence lines go (the CLI routes them through its log format). */
export function setRedisLog(log: RedisLog): void {
  sink = log;
}

/** Writes one line through the current sink. */
export function redisLog(message: string): void {
  sink(message);
}

interface UrlState {
  down: Set<object>;
  since?: number;
}

const states = new Map<string, UrlState>();

function stateOf(url: string): UrlState {
  let state = states.get(url);
  if (!state) states.set(url, (state = { down: new Set() }));
  return state;
}

/** Connection-level failures (as opposed to a command's own error, which its caller sees). */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH']);

export function isConnectionError(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return CONNECTION_CODES.has(e?.code ?? '') || /Connection is closed|connect ETIMEDOUT|ECONNREFUSED/.test(e?.message ?? '');
}

/** Whole seconds since Redis at `url` became unreachable; undefined when it is not down. */
export function downSeconds(url: string): number | undefined {
  const since = states.get(url)?.since;
  return since === undefined ? undefined : Math.round((Date.now() - since) / 1000);
}

/** `member` (a client or a BullMQ object) could not reach `url`: the first such report starts an outage. */
export function reportDown(url: string, member: object): void {
  const state = stateOf(url);
  const wasUp = state.down.size === 0 && state.since === undefined;
  state.down.add(member);
  if (wasUp) {
    state.since = Date.now();
    sink(`Redis unreachable at ${url}, retrying`);
  }
}

/** `member` is connected again; when none is left down, the outage is over. */
export function reportUp(url: string, member: object): void {
  const state = stateOf(url);
  state.down.delete(member);
  if (state.down.size === 0 && state.since !== undefined) {
    const seconds = Math.round((Date.now() - state.since) / 100) / 10;
    state.since = undefined;
    sink(`Redis reachable again at ${url} (after ${seconds}s)`);
  }
}

/**
 * Follows an ioredis client (after its first connection): its connection errors count as an
 * outage of `url`, its `ready` ends it. Other errors go to `onOther`.
 */
export function watchClient(client: EventEmitter, url: string, onOther?: (error: Error) => void): void {
  client.on('error', (error: Error) => {
    if (isConnectionError(error)) reportDown(url, client);
    else onOther?.(error);
  });
  client.on('ready', () => reportUp(url, client));
}

/**
 * Follows a BullMQ Queue, QueueEvents or Worker. Their connection errors are dropped: the
 * ioredis clients they are built on (watched with `watchClient`) report the same outage once.
 * Other errors go to `onOther`.
 */
export function watchBullmq(emitter: EventEmitter, onOther?: (error: Error) => void): void {
  emitter.on('error', (error: Error) => {
    if (!isConnectionError(error)) onOther?.(error);
  });
}

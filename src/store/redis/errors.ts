import { HpoError } from '../../core/index.ts';

/** Redis did not answer at start (refused, timed out, wrong password, TLS failure). */
export class RedisUnavailableError extends HpoError {
  constructor(readonly url: string, detail: string, options?: { cause?: unknown; flags?: string }) {
    super(
      'REDIS_UNAVAILABLE',
      `Cannot reach Redis at ${url}: ${detail}. Start Redis there, or point ${options?.flags ?? '--store / REDIS_URL'} at a running ` +
        'one (redis://[:password@]host:port[/db], rediss:// for TLS).',
      options,
    );
    this.name = 'RedisUnavailableError';
  }
}

/**
 * Redis went away after start and did not come back within the client's reconnection attempts
 * (about 20 s): the command gives up with this one line instead of waiting for ever.
 */
export class RedisOutageError extends HpoError {
  constructor(readonly url: string, downSeconds: number | undefined, options?: { cause?: unknown }) {
    super(
      'REDIS_OUTAGE',
      `Redis at ${url} stopped answering${downSeconds === undefined ? '' : ` ${downSeconds}s ago`} and did not come back: gave up. ` +
        'Start it again; a study this stopped resumes with `hpo run --resume <controller-id> --force`.',
      options,
    );
    this.name = 'RedisOutageError';
  }
}

/** A compare-and-set write kept losing to other writers (pathological contention). */
export class StoreContentionError extends HpoError {
  constructor(readonly taskId: string, attempts: number) {
    super(
      'STORE_CONTENTION',
      `Task ${taskId} changed under ${attempts} consecutive writes; gave up. Too many processes are updating ` +
        'this one task at once; retry the command.',
      { userFacing: false },
    );
    this.name = 'StoreContentionError';
  }
}

/**
 * The store's data vanished while this process used it (Redis restarted without persistence, a
 * FLUSHALL): every task it knew is gone, so waiting or retrying cannot help.
 */
export class StoreWipedError extends HpoError {
  constructor(readonly url: string, taskId: string) {
    super(
      'STORE_WIPED',
      `The Redis store at ${url} lost its data while this command ran (task ${taskId} and the store's marker are gone): ` +
        'Redis restarted without persistence, or its keys were deleted. Turn on `appendonly yes` in Redis, then start the study again.',
    );
    this.name = 'StoreWipedError';
  }
}

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

import { HpoError } from '../../core/index.ts';

/** Redis did not answer at start (refused, timed out, wrong password, TLS failure). */
export class RedisUnavailableError extends HpoError {
  constructor(readonly url: string, detail: string, options?: { cause?: unknown }) {
    super(
      'REDIS_UNAVAILABLE',
      `Cannot reach Redis at ${url}: ${detail}. Start Redis there, or point --store / REDIS_URL at a running ` +
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

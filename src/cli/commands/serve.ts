import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { parseOrThrow } from '../../core/index.ts';
import { logLine, openCliArtifacts, openCliStore, type GlobalOptions } from '../context.ts';

const int = (flag: string, min: number) =>
  z.coerce.number({ message: `${flag} must be a number` }).int({ message: `${flag} must be an integer` }).min(min, { message: `${flag} must be >= ${min}` });

const flagsSchema = z.looseObject({
  port: int('--port', 0).max(65535).default(9000),
  host: z.string().min(1).default('127.0.0.1'),
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, { message: '--name may use letters, digits, _ . - only' }).default('detector'),
  size: int('--size', 32).refine((v) => v % 32 === 0, { message: '--size must be a multiple of 32' }).optional(),
  maxBatch: int('--max-batch', 1).default(16),
  maxWaitMs: z.coerce.number({ message: '--max-wait-ms must be a number' }).min(0).default(5),
  maxInFlight: int('--max-in-flight', 1).default(256),
  timeoutMs: int('--timeout-ms', 1).default(30000),
  bodyLimitMb: z.coerce.number({ message: '--body-limit-mb must be a number' }).positive().default(16),
  maxImages: int('--max-images', 1).default(64),
  runtime: z.enum(['onnx', 'tfjs'], { message: '--runtime must be onnx or tfjs' }).default('onnx'),
  threads: int('--threads', 1).optional(),
  instances: int('--instances', 1).optional(),
  follow: z.string().min(1).optional(),
  followIntervalMs: int('--follow-interval-ms', 100).default(10000),
  cacheDir: z.string().min(1).optional(),
});

/**
 * `hpo serve <task-id | controller-id>`: the detection API until SIGTERM/SIGINT, which drains
 * (in-flight requests finish, new ones get 503) and exits 0.
 */
export async function serveCommand(id: string, options: Record<string, unknown>, globals: GlobalOptions): Promise<void> {
  const flags = parseOrThrow(flagsSchema, options, 'flags');
  const { store, storeSpec } = await openCliStore(globals);
  const artifacts = await openCliArtifacts(globals, storeSpec);
  const { startServer, followStudy } = await import('../../serve/server.ts');
  const log = (level: 'info' | 'warn', message: string) => logLine(globals, level, message);
  let server;
  try {
    server = await startServer({
      store, artifacts, source: id, name: flags.name, host: flags.host, port: flags.port,
      cacheDir: flags.cacheDir ? path.resolve(flags.cacheDir) : defaultCacheDir(),
      runtime: flags.runtime, size: flags.size, threads: flags.threads, instances: flags.instances,
      maxBatch: flags.maxBatch, maxWaitMs: flags.maxWaitMs, maxInFlight: flags.maxInFlight, requestTimeoutMs: flags.timeoutMs,
      bodyLimit: Math.round(flags.bodyLimitMb * 1024 * 1024), maxImages: flags.maxImages, log,
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  const model = server.state.models.get(flags.name)!;
  log('info', `serving ${flags.name} version ${model.current.id} (${await model.current.runtimeKind()}, ${model.current.defaultSize} px) at ${server.url}/v1/models/${flags.name}/predict`);
  const stopFollow = flags.follow ? followStudy(server, store, flags.follow, flags.name, flags.followIntervalMs, log) : () => {};
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      log('info', `${signal}: draining (${server.state.inFlight} requests in flight)`);
      stopFollow();
      void server.close().then(resolve, (error: unknown) => {
        log('warn', `drain: ${(error as Error).message}`);
        resolve();
      });
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
  await store.close();
  log('info', 'stopped');
}

/** $XDG_CACHE_HOME/hpo/onnx, else ~/.cache/hpo/onnx. */
function defaultCacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'hpo', 'onnx');
}

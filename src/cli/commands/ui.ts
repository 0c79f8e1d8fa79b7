import { z } from 'zod';
import { ConfigError, parseOrThrow } from '../../core/index.ts';
import { logLine, openCliArtifacts, openCliStore, type GlobalOptions } from '../context.ts';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

const uiFlags = z.looseObject({
  port: z.coerce.number({ message: '--port must be a number' }).int({ message: '--port must be an integer' }).min(0).max(65535, { message: '--port must be 0-65535' }).default(8080),
  host: z.string().min(1).default('127.0.0.1'),
  pollMs: z.coerce.number({ message: '--poll-ms must be a number' }).int().min(50, { message: '--poll-ms must be >= 50' }).default(500),
});

/**
 * `hpo ui`: serves the web app and its API over the store until SIGINT/SIGTERM. Any address
 * but loopback needs a token (`--token` or HPO_UI_TOKEN), checked on every API call.
 */
export async function uiCommand(
  options: { port?: string; host?: string; token?: string; readOnly?: boolean; redis?: string; pollMs?: string },
  globals: GlobalOptions,
): Promise<void> {
  const flags = parseOrThrow(uiFlags, options, 'flags');
  const token = options.token ?? (process.env.HPO_UI_TOKEN || undefined);
  if (!LOOPBACK.has(flags.host) && !token) {
    throw new ConfigError(`hpo ui --host ${flags.host} serves other machines: give --token <secret> (or set HPO_UI_TOKEN), or bind 127.0.0.1 (the default).`);
  }
  const { store, storeSpec } = await openCliStore(globals);
  const artifacts = await openCliArtifacts(globals, storeSpec);
  const { buildUiApp } = await import('../../ui/server.ts');
  const app = buildUiApp({
    store,
    storeSpec,
    artifacts,
    token,
    readOnly: options.readOnly,
    redisUrl: options.redis ?? process.env.REDIS_URL ?? (/^rediss?:\/\//.test(storeSpec) ? storeSpec : undefined),
    queuePrefix: process.env.HPO_REDIS_PREFIX,
    pollMs: flags.pollMs,
  });
  const address = await app.listen({ host: flags.host, port: flags.port });
  logLine(globals, 'info', `hpo ui on ${address}/ over ${store.location}${options.readOnly ? ' (read-only)' : ''}${token ? ' (token required)' : ''}`);
  process.stdout.write(`${address}/\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await app.close();
  await store.close();
}

/** `hpo report <id> [--out file]`: writes one self-contained HTML file and prints its path. */
export async function reportCommand(id: string, options: { out?: string }, globals: GlobalOptions): Promise<void> {
  const { writeFile } = await import('node:fs/promises');
  const path = await import('node:path');
  const { store } = await openCliStore(globals);
  try {
    const { buildReport } = await import('../../ui/report.ts');
    const { html, kind } = await buildReport(store, id);
    const out = path.resolve(options.out ?? 'report.html');
    await writeFile(out, html);
    logLine(globals, 'info', `${kind} report of ${id}: ${out} (${Math.round(html.length / 1024)} KiB)`);
    process.stdout.write(`${out}\n`);
  } finally {
    await store.close();
  }
}

import path from 'node:path';
import { z } from 'zod';
import { autoscaleSchema, type AutoscaleConfig } from '../../config/autoscale-schema.ts';
import { deepMerge, findConfigFile } from '../../config/load-config.ts';
import { loadDefaultExport } from '../../config/load-module.ts';
import { packageRoot, parseOrThrow } from '../../core/index.ts';
import { logLine, openCliStore, type GlobalOptions } from '../context.ts';
import { resolveRedisUrl } from '../executors.ts';
import type { Provider } from '../../autoscale/providers/provider.ts';
import type { ScalePolicy } from '../../autoscale/types.ts';

/** The CLI entry agents are started with: this package's own bin (from src/ or dist/ alike). */
const HPO_BIN = path.join(packageRoot() ?? process.cwd(), 'bin/hpo.js');

interface AutoscaleFlags {
  queue?: string[];
  min?: string;
  max?: string;
  idle?: string;
  budget?: string;
  cooldown?: string;
  poll?: string;
  provider?: string;
  gpus?: string;
  redis?: string;
  config?: string;
  dryRun?: boolean;
  printK8s?: boolean;
}

const count = (flag: string) => z.coerce.number({ message: `${flag} must be a number` }).int({ message: `${flag} must be a whole number` });
const flagsSchema = z.looseObject({
  min: count('--min').optional(),
  max: count('--max').optional(),
  provider: z.enum(['local', 'command'], { message: '--provider is local or command (Kubernetes: --print-k8s)' }).optional(),
  gpus: z.string().regex(/^[A-Za-z0-9-]+(,[A-Za-z0-9-]+)*$/, { message: '--gpus takes GPU ids separated by commas, e.g. 0,1' }).transform((s) => s.split(',')).optional(),
});

/** Flags over the config file's `autoscale: {...}`, validated as one (errors name the field and the value). */
async function resolveOptions(flags: AutoscaleFlags): Promise<AutoscaleConfig> {
  const f = parseOrThrow(flagsSchema, flags, 'flags');
  const file = flags.config ? path.resolve(flags.config) : findConfigFile(process.cwd());
  const raw = file ? ((await loadDefaultExport(file, 'config')) as { autoscale?: Record<string, unknown> }).autoscale ?? {} : {};
  const fromConfig = (raw.provider ?? {}) as { type?: string };
  let provider: Record<string, unknown> | undefined;
  if (f.provider && f.provider !== (fromConfig.type ?? 'local')) provider = { type: f.provider };
  if (f.gpus) provider = { ...(provider ?? fromConfig), type: 'local', gpus: f.gpus };
  const overrides = { queues: flags.queue, min: f.min, max: f.max, idle: flags.idle, budget: flags.budget, cooldown: flags.cooldown, poll: flags.poll, redisUrl: flags.redis };
  const merged = deepMerge(raw, overrides);
  if (provider) merged.provider = provider;
  return parseOrThrow(autoscaleSchema, merged, file ? `autoscale options (${path.relative(process.cwd(), file) || file} and flags)` : 'autoscale flags');
}

/** The decision rules' numbers from the options. */
function policyOf(config: AutoscaleConfig): ScalePolicy {
  return {
    min: config.min,
    max: config.max,
    idleMs: config.idle,
    budgetMs: config.budget,
    cooldownMs: config.cooldown,
    bootTimeoutMs: config.bootTimeout,
    lostMs: config.lostAfter,
    stopTimeoutMs: config.stopTimeout,
    slotsPerInstance: config.slots,
    budgetReserveMs: 2 * config.poll + config.stopTimeout,
  };
}

function makeProvider(config: AutoscaleConfig, namePrefix: string, storeSpec: string, redisUrl: string, prefix: string | undefined): Promise<Provider> | Provider {
  const p = config.provider;
  if (p.type === 'command') {
    return import('../../autoscale/providers/command.ts').then(
      ({ CommandProvider }) => new CommandProvider({ start: p.start, stop: p.stop, list: p.list, namePrefix, queues: config.queues, timeoutMs: p.timeout }),
    );
  }
  return import('../../autoscale/providers/local.ts').then(
    ({ LocalProvider }) =>
      new LocalProvider({
        dir: path.resolve(p.dir ?? '.hpo/agents'),
        namePrefix,
        bin: HPO_BIN,
        globalArgs: ['--log-format', 'json'],
        agentArgs: [...config.queues.flatMap((q) => ['--queue', q]), ...(config.slots > 1 ? ['--concurrency', String(config.slots)] : []), ...p.agentArgs],
        gpus: p.gpus,
        // Store and Redis through the environment: a password in argv would show in `ps`.
        env: { ...process.env, HPO_HOME: storeSpec, REDIS_URL: redisUrl, ...(prefix ? { HPO_REDIS_PREFIX: prefix } : {}) },
      }),
  );
}

/**
 * `hpo autoscale`: starts agents when trials wait and stops them when idle, within `--max` and
 * the instance-time `--budget`; `--dry-run` prints what it would do now; `--print-k8s` prints
 * the Kubernetes manifests (Deployment + KEDA ScaledObject) for the queues instead.
 */
export async function autoscaleCommand(flags: AutoscaleFlags, globals: GlobalOptions): Promise<void> {
  const config = await resolveOptions(flags);
  const prefix = config.prefix ?? process.env.HPO_REDIS_PREFIX;
  if (flags.printK8s) {
    // Rendering needs no connection: the store is only named, for the pods.
    const raw = globals.store ?? process.env.HPO_HOME ?? '.hpo';
    const storeSpec = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : path.resolve(raw);
    const { renderK8s } = await import('../../autoscale/k8s.ts');
    if (!/^rediss?:\/\//.test(config.k8s.store ?? storeSpec)) {
      logLine(globals, 'warn', `the store ${storeSpec} is a local folder that pods cannot reach: pass --store redis://... or set autoscale.k8s.store.`);
    }
    process.stdout.write(renderK8s({ config, redisUrl: config.redisUrl ?? resolveRedisUrl(undefined, storeSpec, undefined), store: storeSpec, prefix }));
    return;
  }
  const { store, storeSpec } = await openCliStore(globals);
  const redisUrl = config.redisUrl ?? resolveRedisUrl(undefined, storeSpec, undefined);
  const { openQueueWatch } = await import('../../exec/queue/queue-watch.ts');
  const { runAutoscaler, planOnce, recordKey } = await import('../../autoscale/autoscaler.ts');
  const namePrefix = `hpo-${recordKey(config.queues).replace(/[^A-Za-z0-9-]/g, '-').toLowerCase()}-`;
  const provider = await makeProvider(config, namePrefix, storeSpec, redisUrl, prefix);
  const watch = await openQueueWatch({ redisUrl, prefix, queues: config.queues });
  const log = (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => logLine(globals, level, message, fields);
  const options = { store, provider, watch, policy: policyOf(config), queues: config.queues, namePrefix, pollMs: config.poll, config, log };
  try {
    if (flags.dryRun) {
      const { readRecordState } = await import('../../autoscale/record.ts');
      const decisions = await planOnce(options, await readRecordState(store, recordKey(config.queues)));
      for (const d of decisions) process.stdout.write(`${d.kind}${'name' in d ? ` ${d.name}` : ''}: ${d.reason}\n`);
      if (decisions.length === 0) process.stdout.write('nothing to do\n');
      return;
    }
    logLine(globals, 'info', `autoscaling ${config.queues.join(', ')} with the ${provider.type} provider: min ${config.min}, max ${config.max}, idle ${config.idle / 1000} s${config.budget ? `, budget ${(config.budget / 3_600_000).toFixed(2)} instance-h` : ''}`);
    const abort = new AbortController();
    let signals = 0;
    const onSignal = (): void => {
      if (++signals > 1) process.exit(130);
      abort.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    await runAutoscaler({ ...options, signal: abort.signal });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  } finally {
    await watch.close();
    await store.close();
  }
}

import { packageVersion } from '../../core/package-root.ts';
import { z } from 'zod';
import { parseOrThrow } from '../../core/parse-input.ts';
import { forkTrialProcess } from '../../exec/local/local-executor.ts';
import { runInChild } from '../../exec/local/run-in-child.ts';
import { SpareShelf } from '../../exec/local/spare-shelf.ts';
import { createTaskRunner } from '../../worker/run-task.ts';
import { logLine, openCliArtifacts, openCliStore, type GlobalOptions } from '../context.ts';
import { resolveRedisUrl } from '../executors.ts';
import { executeStudy } from '../study-runner.ts';
import { CHILD_ENTRY } from '../../worker/index.ts';
import { TRAINER_TYPES } from '../../worker/trainer-registry.ts';

const PRELOAD_CHOICES: [string, ...string[]] = ['none', ...TRAINER_TYPES];

const agentFlags = z.looseObject({
  queue: z.array(z.string()).default(['default']),
  concurrency: z.coerce.number({ message: '--concurrency must be a number' }).int().min(1, { message: '--concurrency must be >= 1' }).optional(),
  gpus: z
    .string()
    .regex(/^\d+(,\d+)*$/, { message: '--gpus takes GPU ids separated by commas, e.g. 0,1' })
    .transform((s) => s.split(','))
    .optional(),
  grace: z.coerce.number({ message: '--grace must be a number of seconds' }).min(0, { message: '--grace must be >= 0' }).optional(),
  lockDuration: z.coerce.number({ message: '--lock-duration must be a number of milliseconds' }).int().min(1000, { message: '--lock-duration must be >= 1000 ms' }).optional(),
  preload: z.enum(PRELOAD_CHOICES, { message: `--preload must be a trainer type or none: ${PRELOAD_CHOICES.join(', ')}` }).default('yolov5'),
});

/**
 * `hpo agent`: a BullMQ worker for trial and controller tasks. Trials run in a child process each
 * (a training step must not starve the agent's lock renewals), or in-process with --in-process.
 * SIGTERM/SIGINT: running trials stop at their epoch boundary and go back to the queue (or
 * finish, with --drain); a second signal exits at once.
 */
export async function agentCommand(
  options: { queue?: string[]; concurrency?: string; gpus?: string; redis?: string; drain?: boolean; inProcess?: boolean; lockDuration?: string; name?: string; grace?: string; strict?: boolean; preload?: string },
  globals: GlobalOptions,
): Promise<void> {
  const flags = parseOrThrow(agentFlags, options, 'flags');
  const { store, storeSpec } = await openCliStore(globals);
  const { startAgent, closeOnSignals } = await import('../../exec/queue/index.ts');
  // Child slots inherit it through the environment; in-process slots read it in their runner.
  if (options.strict) process.env.HPO_STRICT_VERSION = '1';
  // Exported as HPO_ARTIFACTS too, so the agent's trial processes write where it does.
  const artifacts = await openCliArtifacts(globals, storeSpec);
  const inProcess = createTaskRunner(store, { artifacts });
  const graceMs = (flags.grace ?? 10) * 1000;
  // One loaded trial process per slot, forked with the slot's environment, for its next job.
  const spares = new SpareShelf();
  const agent = await startAgent({
    queues: flags.queue,
    concurrency: flags.concurrency,
    gpus: flags.gpus,
    redisUrl: resolveRedisUrl(undefined, storeSpec, options.redis),
    prefix: process.env.HPO_REDIS_PREFIX,
    timing: flags.lockDuration ? { lockDurationMs: flags.lockDuration } : undefined,
    graceMs,
    store,
    name: options.name,
    version: packageVersion(),
    runTask: options.inProcess
      ? (taskId, run) => {
          run.onStarted?.(); // nothing to start: the trial's limits count from now
          return inProcess(taskId, run);
        }
      : async (taskId, run) => runInChild(await store.get(taskId), { store, storeSpec, childEntry: CHILD_ENTRY, graceMs, spares, ...run }),
    runController: async (controllerId, signal) => {
      // force: an agent picks up a controller whose owner died, through the same lease (expired or dead pid only).
      await executeStudy(store, storeSpec, controllerId, globals, { signal, interactive: false, force: true, leaseLabel: `agent ${agent?.name ?? ''}`.trim() });
    },
    log: (level, message, fields) => logLine(globals, level === 'info' ? 'info' : 'warn', message, fields),
  });
  logLine(globals, 'info', `agent ${agent.name} on ${agent.queues.join(', ')} (store ${store.location}, artifacts ${artifacts.primary.spec})`);
  // Each slot's first job starts in a process loaded while the agent waited (later jobs take the
  // spare their slot's previous job left). The key is the slot's environment, as runInChild's.
  if (!options.inProcess && flags.preload !== 'none') {
    for (const env of agent.slotEnvs()) {
      spares.stock(JSON.stringify(env), () => forkTrialProcess({ childEntry: CHILD_ENTRY, storeSpec }, ['--spare', flags.preload], env));
    }
  }
  await new Promise<void>((resolve) => {
    closeOnSignals(agent, {
      drain: options.drain,
      onForce: () => process.exit(130),
      onClosed: () => resolve(),
      onError: (error) => {
        logLine(globals, 'warn', `agent shutdown failed: ${(error as Error).message}`);
        resolve();
      },
    });
  });
  await spares.close();
  await store.close();
}

import { ConfigError, type TaskStore } from '../../core/index.ts';
import { loadConfig } from '../../config/index.ts';
import { buildLeaderboard, createStudy } from '../../study/index.ts';
import { logLine, openCliStore, parseRunFlags, type GlobalOptions } from '../context.ts';
import { executeStudy } from '../study-runner.ts';
import { renderLeaderboard } from '../render/leaderboard-table.ts';
import { resolveRedisUrl } from '../executors.ts';
import type { StudyConfig } from '../../config/index.ts';

/** `--remote`: the controller goes to a queue; an agent there runs the whole study. */
async function enqueueController(config: StudyConfig, storeSpec: string, controllerId: string, globals: GlobalOptions): Promise<void> {
  if (!/^rediss?:\/\//.test(storeSpec)) {
    logLine(globals, 'warn', `the store ${storeSpec} is a local folder: only agents on this machine can reach it. Use --store redis://... for agents elsewhere.`);
  }
  const { enqueueTask } = await import('../../exec/queue/index.ts');
  const controllerQueue = config.execution.type === 'queue' ? config.execution.controllerQueue : 'services';
  await enqueueTask({
    redisUrl: resolveRedisUrl(config, storeSpec),
    prefix: (config.execution.type === 'queue' ? config.execution.prefix : undefined) ?? process.env.HPO_REDIS_PREFIX,
    queue: controllerQueue,
    kind: 'controller',
    taskId: controllerId,
    storeSpec,
  });
  logLine(globals, 'info', `controller ${controllerId} queued on "${controllerQueue}"; follow it with \`hpo top ${controllerId} --watch\``);
}

interface RunOptions {
  queue?: string;
  redis?: string;
  remote?: boolean;
  controllerQueue?: string;
  template?: string;
  config?: string;
  trials?: string;
  concurrency?: string;
  seed?: string;
  resume?: string;
  json?: boolean;
}

/** `hpo run`: create a study (or resume one) and run it here; leaderboard on stdout. */
export async function runCommand(options: RunOptions, globals: GlobalOptions): Promise<void> {
  let store: TaskStore;
  let storeSpec: string;
  let controllerId: string;
  if (options.resume) {
    ({ store, storeSpec } = await openCliStore(globals));
    controllerId = (await store.get(options.resume)).id;
    logLine(globals, 'info', `resuming study ${controllerId}`);
  } else {
    const flags = parseRunFlags(options as Record<string, unknown>);
    const queued = options.queue || options.redis || options.controllerQueue;
    const { config, file } = await loadConfig({
      file: options.config,
      overrides: {
        budget: { maxTrials: flags.trials, concurrency: flags.concurrency },
        seed: flags.seed,
        execution: queued ? { type: 'queue', queue: options.queue, redisUrl: options.redis, controllerQueue: options.controllerQueue } : undefined,
      },
    });
    // --seed wins over a seed written in the strategy's options.
    if (flags.seed !== undefined) config.strategy.seed = flags.seed;
    // --store (or HPO_HOME) wins over the config's `store`.
    ({ store, storeSpec } = await openCliStore({ ...globals, store: globals.store ?? (process.env.HPO_HOME ? undefined : config.store) }));
    // --artifacts / HPO_ARTIFACTS win over the config's `artifacts`; local trials inherit the env.
    if (config.artifacts && !process.env.HPO_ARTIFACTS) process.env.HPO_ARTIFACTS = config.artifacts;
    const templateId = options.template ?? config.template;
    if (!templateId) throw new ConfigError(`No template task: pass --template <task-id> or set \`template\` in ${file}. Create one with \`hpo train templates/<file>.ts\`.`);
    const { controller, warnings } = await createStudy(store, { config, templateId, storeSpec });
    warnings.forEach((w) => logLine(globals, 'warn', w));
    controllerId = controller.id;
    const where = config.execution.type === 'queue' ? `queue "${config.execution.queue}"` : 'local processes';
    logLine(globals, 'info', `study ${controllerId}: ${config.budget.maxTrials} trials of template ${templateId} on ${where}, ${config.strategy.type} strategy, ${config.pruner.type} pruner, concurrency ${config.budget.concurrency}`);
    if (options.remote) {
      await enqueueController(config, storeSpec, controllerId, globals);
      process.stdout.write(options.json ? JSON.stringify({ controllerId }) + '\n' : `${controllerId}\n`);
      await store.close();
      return;
    }
  }
  await executeStudy(store, storeSpec, controllerId, globals);
  const board = await buildLeaderboard(store, controllerId);
  process.stdout.write(options.json ? JSON.stringify(board, null, 2) + '\n' : renderLeaderboard(board));
  await store.close();
}

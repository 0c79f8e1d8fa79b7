import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, type Params, type TaskStore } from '../../core/index.ts';
import { enqueueProblem, enqueueSchema, loadConfig } from '../../config/index.ts';
import { parseOrThrow } from '../../core/index.ts';
import { buildLeaderboard, createStudy, getController, type ControllerConfig, type StudyOutcome } from '../../study/index.ts';
import { ExitError } from '../exit-error.ts';
import { logLine, openCliStore, parseRunFlags, type GlobalOptions } from '../context.ts';
import { executeStudy } from '../study-runner.ts';
import { checkSpace } from './check-space.ts';
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
  force?: boolean;
  enqueue?: string;
  json?: boolean;
}

/** `hpo run`: create a study (or resume or extend one) and run it here; leaderboard on stdout. */
export async function runCommand(options: RunOptions, globals: GlobalOptions): Promise<void> {
  let store: TaskStore;
  let storeSpec: string;
  let controllerId: string;
  const flags = parseRunFlags(options as Record<string, unknown>);
  if (options.resume) {
    ({ store, storeSpec } = await openCliStore(globals));
    return closeOnError(store, () => resume(store, storeSpec, options.resume!, flags, options, globals));
  }
  const queued = options.queue || options.redis || options.controllerQueue;
  const { config, file } = await loadConfig({
    file: options.config,
    overrides: {
      budget: { maxTrials: flags.trials, concurrency: flags.concurrency },
      seed: flags.seed,
      execution: queued ? { type: 'queue', queue: options.queue, redisUrl: options.redis, controllerQueue: options.controllerQueue } : undefined,
    },
  });
  if (options.enqueue) config.enqueue = [...(config.enqueue ?? []), ...(await readEnqueueFile(options.enqueue, config.space))];
  // --seed wins over a seed written in the strategy's options.
  if (flags.seed !== undefined) config.strategy.seed = flags.seed;
  // --store (or HPO_HOME) wins over the config's `store`.
  ({ store, storeSpec } = await openCliStore({ ...globals, store: globals.store ?? (process.env.HPO_HOME ? undefined : config.store) }));
  return closeOnError(store, async () => {
    const templateId = options.template ?? config.template;
    if (!templateId) throw new ConfigError(`No template task: pass --template <task-id> or set \`template\` in ${file}. Create one with \`hpo train templates/<file>.ts\`.`);
    await checkSpace(await store.get(templateId), config);
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
    return finish(store, controllerId, await executeStudy(store, storeSpec, controllerId, globals), options, globals);
  });
}

/** `--resume`: extend (--trials), add enqueued params, then run the study under its lease. */
async function resume(store: TaskStore, storeSpec: string, id: string, flags: ReturnType<typeof parseRunFlags>, options: RunOptions, globals: GlobalOptions): Promise<void> {
    const controller = await getController(store, id, 'a study to resume');

    const controllerId = controller.id;
    const enqueue = options.enqueue ? await readEnqueueFile(options.enqueue, (controller.config as ControllerConfig).study.space) : undefined;
    logLine(globals, 'info', `resuming study ${controllerId}`);
    const outcome = await executeStudy(store, storeSpec, controllerId, globals, {
      force: options.force,
      // Changed under the lease, so no other process is running the study meanwhile.
      configure: (config) => {
        if (flags.trials !== undefined && flags.trials !== config.budget.maxTrials) {
          logLine(globals, 'info', `budget of study ${controllerId}: ${config.budget.maxTrials} -> ${flags.trials} trials`);
          config.budget.maxTrials = flags.trials;
        }
        if (enqueue) config.enqueue = [...(config.enqueue ?? []), ...enqueue];
        return flags.trials !== undefined || enqueue !== undefined;
      },
    });
    return finish(store, controllerId, outcome, options, globals);
}

/** Closes the store when the command fails, so an open Redis connection never keeps the process alive. */
async function closeOnError(store: TaskStore, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
}

/** Leaderboard on stdout, then the exit code the study's ending calls for (README: exit codes). */
async function finish(store: TaskStore, controllerId: string, outcome: StudyOutcome, options: RunOptions, globals: GlobalOptions): Promise<void> {
  const board = await buildLeaderboard(store, controllerId);
  process.stdout.write(options.json ? JSON.stringify(board, null, 2) + '\n' : renderLeaderboard(board));
  await store.close();
  const ending = outcome.ending;
  if (!ending || ending.kind === 'completed') {
    if (ending && ending.reason !== 'completed') logLine(globals, 'info', `study ${controllerId} completed: ${ending.reason}`);
    return;
  }
  if (ending.kind === 'failed') throw new ExitError(1, `study ${controllerId} failed: ${ending.reason}`);
  throw new ExitError(130, `study ${controllerId} ${ending.kind === 'interrupted' ? 'interrupted' : 'stopped'} (${ending.reason}); continue it with \`hpo run --resume ${controllerId}\``);
}

/** `--enqueue FILE.json`: an array of params objects, each fitting the study's space. */
async function readEnqueueFile(file: string, space: ControllerConfig['study']['space']): Promise<Params[]> {
  let text: string;
  try {
    text = await readFile(path.resolve(file), 'utf8');
  } catch (error) {
    throw new ConfigError(`--enqueue: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). Pass a JSON file holding an array of params objects.`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`--enqueue: ${file} is not JSON (${(error as Error).message}). Write an array of params objects, e.g. [{"hyp/lr0": 0.01}].`);
  }
  const list = parseOrThrow(enqueueSchema, raw, file);
  list.forEach((params, i) => {
    for (const [name, value] of Object.entries(params)) {
      const problem = enqueueProblem(space, name, value);
      if (problem) throw new ConfigError(`--enqueue ${file}: entry ${i}, "${name}" = ${JSON.stringify(value)}: ${problem}.`);
    }
  });
  return list;
}

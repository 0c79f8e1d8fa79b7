import { ConfigError } from '../../core/index.ts';
import { loadConfig } from '../../config/index.ts';
import { buildLeaderboard, createStudy } from '../../study/index.ts';
import { logLine, openCliStore, parseRunFlags, type GlobalOptions } from '../context.ts';
import { executeStudy } from '../study-runner.ts';
import { renderLeaderboard } from '../render/leaderboard-table.ts';

interface RunOptions {
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
  const { store, storeSpec } = await openCliStore(globals);
  let controllerId: string;
  if (options.resume) {
    controllerId = (await store.get(options.resume)).id;
    logLine(globals, 'info', `resuming study ${controllerId}`);
  } else {
    const flags = parseRunFlags(options as Record<string, unknown>);
    const { config, file } = await loadConfig({
      file: options.config,
      overrides: { budget: { maxTrials: flags.trials, concurrency: flags.concurrency }, seed: flags.seed },
    });
    const templateId = options.template ?? config.template;
    if (!templateId) throw new ConfigError(`No template task: pass --template <task-id> or set \`template\` in ${file}. Create one with \`hpo train templates/<file>.ts\`.`);
    const { controller, warnings } = await createStudy(store, { config, templateId, storeSpec });
    warnings.forEach((w) => logLine(globals, 'warn', w));
    controllerId = controller.id;
    logLine(globals, 'info', `study ${controllerId}: ${config.budget.maxTrials} trials of template ${templateId}, ${config.strategy.type} strategy, ${config.pruner.type} pruner, concurrency ${config.budget.concurrency}`);
  }
  await executeStudy(store, storeSpec, controllerId, globals);
  const board = await buildLeaderboard(store, controllerId);
  process.stdout.write(options.json ? JSON.stringify(board, null, 2) + '\n' : renderLeaderboard(board));
  await store.close();
}

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, loadTemplate } from '../../config/index.ts';
import { buildLeaderboard, createStudy } from '../../study/index.ts';
import { logLine, openCliStore, parseRunFlags, type GlobalOptions } from '../context.ts';
import { executeStudy } from '../study-runner.ts';
import { renderLeaderboard } from '../render/leaderboard-table.ts';
import { trainCommand } from './train.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The template the main job tunes, and the config it tunes it with. */
export const DEMO_TEMPLATE = path.join(ROOT, 'templates/function-curve.ts');
export const DEMO_CONFIG = path.join(ROOT, 'hpo.config.ts');

/**
 * `hpo demo`, the README's main job on the embedded defaults (file store, local executor):
 * trains the template once (the "ML engineer trains once" step), then runs the study of
 * hpo.config.ts on it and prints the leaderboard.
 */
export async function demoCommand(options: { trials?: string; json?: boolean }, globals: GlobalOptions): Promise<void> {
  const flags = parseRunFlags(options as Record<string, unknown>);
  logLine(globals, 'info', `demo: training the template ${path.relative(process.cwd(), DEMO_TEMPLATE)} once`);
  const template = await loadTemplate(DEMO_TEMPLATE);
  const templateId = await captureStdout(() => trainCommand(DEMO_TEMPLATE, {}, globals));
  logLine(globals, 'info', `demo: template task ${templateId} (${template.name}); now the study of ${path.relative(process.cwd(), DEMO_CONFIG)}`);
  const { config } = await loadConfig({ file: DEMO_CONFIG, overrides: { budget: { maxTrials: flags.trials } } });
  const { store, storeSpec } = await openCliStore(globals);
  const { controller, warnings } = await createStudy(store, { config, templateId, storeSpec });
  warnings.forEach((w) => logLine(globals, 'warn', w));
  await executeStudy(store, storeSpec, controller.id, globals);
  const board = await buildLeaderboard(store, controller.id);
  process.stdout.write(options.json ? JSON.stringify(board, null, 2) + '\n' : renderLeaderboard(board));
  logLine(globals, 'info', `demo: done. Inspect with \`npx hpo top ${controller.id}\` and \`npx hpo tasks show ${board.rows[0]?.taskId ?? controller.id}\`.`);
  await store.close();
}

/** Runs a command that prints an id on stdout and returns the id instead. */
async function captureStdout(run: () => Promise<void>): Promise<string> {
  const write = process.stdout.write.bind(process.stdout);
  let out = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  }) as typeof process.stdout.write;
  try {
    await run();
  } finally {
    process.stdout.write = write;
  }
  return out.trim();
}

import { existsSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../core/index.ts';
import { loadConfig, loadTemplate } from '../../config/index.ts';
import { buildLeaderboard, createStudy } from '../../study/index.ts';
import { logLine, openCliStore, parseRunFlags, type GlobalOptions } from '../context.ts';
import { executeStudy } from '../study-runner.ts';
import { versionPin } from '../../worker/index.ts';
import { renderLeaderboard } from '../render/leaderboard-table.ts';

const ROOT = packageRoot() ?? process.cwd();
/** The template the main job tunes, and the config it tunes it with. */
export const DEMO_TEMPLATE = path.join(ROOT, 'templates/yolov5-synthetic.ts');
export const DEMO_CONFIG = path.join(ROOT, 'hpo.config.ts');

/**
 * `hpo demo`, the README's main job on the embedded defaults (file store, local executor):
 * generates the synthetic shapes dataset once (into the store folder), stores the YOLOv5
 * template as a task, runs the study of hpo.config.ts on it and prints the leaderboard.
 */
export async function demoCommand(options: { trials?: string; json?: boolean }, globals: GlobalOptions): Promise<void> {
  const flags = parseRunFlags(options as Record<string, unknown>);
  const { store, storeSpec } = await openCliStore(globals);
  const data = await ensureDataset(path.join(storeSpec, 'datasets', 'synth-128'), globals);
  const template = await loadTemplate(DEMO_TEMPLATE);
  const task = await store.create({ ...template, ...versionPin(template.trainer), type: 'training', params: { ...template.params, 'args/data': data }, status: 'draft' });
  logLine(globals, 'info', `demo: template task ${task.id} (${template.name}, ${path.relative(process.cwd(), DEMO_TEMPLATE)})`);
  const { config } = await loadConfig({ file: DEMO_CONFIG, overrides: { budget: { maxTrials: flags.trials } } });
  const { controller, warnings } = await createStudy(store, { config, templateId: task.id, storeSpec });
  warnings.forEach((w) => logLine(globals, 'warn', w));
  logLine(globals, 'info', `demo: study ${controller.id}, ${config.budget.maxTrials} trials, ${config.budget.concurrency} at a time (${path.relative(process.cwd(), DEMO_CONFIG)})`);
  await executeStudy(store, storeSpec, controller.id, globals);
  const board = await buildLeaderboard(store, controller.id);
  process.stdout.write(options.json ? JSON.stringify(board, null, 2) + '\n' : renderLeaderboard(board));
  const best = board.rows[0]?.taskId ?? controller.id;
  logLine(globals, 'info', `demo: done. Inspect with \`npx hpo top ${controller.id}\` and \`npx hpo tasks show ${best}\`.`);
  await store.close();
}

/** The demo's dataset: generated once (deterministic), reused by later runs. */
async function ensureDataset(dir: string, globals: GlobalOptions): Promise<string> {
  const yamlPath = path.join(dir, 'data.yaml');
  if (existsSync(yamlPath)) return yamlPath;
  const { synthesizeDataset } = await import('../../trainers/yolov5/data/index.ts');
  logLine(globals, 'info', `demo: writing the synthetic shapes dataset to ${dir}`);
  return (await synthesizeDataset({ out: dir })).yamlPath;
}

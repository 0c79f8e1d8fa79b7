import { existsSync } from 'node:fs';
import path from 'node:path';
import { HpoError, type Task } from '../../core/index.ts';
import { loadTemplate } from '../../config/index.ts';
import { runInChild } from '../../exec/local/run-in-child.ts';
import { logLine, openCliStore, type GlobalOptions } from '../context.ts';
import { checkTrainerParams } from '../../trainers/check-params.ts';
import { parseSetFlags } from './set-params.ts';
import { CHILD_ENTRY, versionPin } from '../../worker/index.ts';

/**
 * `hpo train <template-file | task-id>`: runs one task in a child process (captured like any
 * trial) and prints its id. A template file becomes a new task; a task id is cloned.
 */
export async function trainCommand(source: string, options: { set?: string[]; json?: boolean }, globals: GlobalOptions): Promise<void> {
  const { store, storeSpec } = await openCliStore(globals);
  let task: Task;
  if (looksLikeFile(source)) {
    const template = await loadTemplate(source);
    const params = { ...template.params, ...parseSetFlags(options.set, template.params) };
    await checkTrainerParams(template.trainer, params);
    task = await store.create({ ...template, ...versionPin(template.trainer), type: 'training', params, status: 'queued' });
  } else if ((await store.get(source)).status === 'draft' && !options.set?.length) {
    // A draft (from `hpo task create`) runs as itself; anything else is cloned.
    task = await store.setStatus(source, 'queued');
  } else {
    const base = await store.get(source);
    const params = { ...base.params, ...parseSetFlags(options.set, base.params) };
    await checkTrainerParams(base.trainer, params);
    task = await store.clone(base.id, { params, parent: base.id, status: 'queued' });
  }
  logLine(globals, 'info', `task ${task.id}: ${task.name} (${task.trainer.type} trainer)`);
  const interrupt = new AbortController();
  process.once('SIGINT', () => interrupt.abort('interrupted by user (Ctrl-C)'));
  const outcome = await runInChild(task, {
    store,
    storeSpec,
    childEntry: CHILD_ENTRY,
    signal: interrupt.signal,
    onReport: (step, scalars) => logLine(globals, 'info', `epoch ${step + 1}: ${summary(scalars)}`, { taskId: task.id, step, scalars }),
  });
  const final = await store.get(task.id);
  process.stdout.write(options.json ? JSON.stringify(final, null, 2) + '\n' : `${task.id}\n`);
  await store.close();
  if (outcome.status === 'failed') {
    throw new HpoError('TRAIN_FAILED', `task ${task.id} failed: ${outcome.reason}. See \`hpo tasks show ${task.id}\` for its log.`);
  }
}

function looksLikeFile(source: string): boolean {
  return /\.[cm]?[jt]s$/.test(source) || source.includes(path.sep) || existsSync(source);
}

function summary(scalars: Record<string, number>): string {
  return Object.entries(scalars)
    .filter(([k]) => k.startsWith('metrics/'))
    .map(([k, v]) => `${k.slice(8)}=${v.toFixed(4)}`)
    .join(' ');
}

import seedrandom from 'seedrandom';
import { configSchema } from '../../src/config/index.ts';
import type { Task, TaskStore } from '../../src/core/index.ts';

export const METRIC = 'metrics/mAP_0.5';
/** The second objective of a `latency` study: better trials are slower, so there is a front. */
export const LATENCY = 'x/latency_ms';

/** A template task like a finished training run: params, 5 epochs of YOLOv5-named scalars, a log. */
export async function makeTemplate(store: TaskStore, name = 'template'): Promise<Task> {
  const t = await store.create({
    name, project: 'ui-test', type: 'training', trainer: { type: 'function', objective: 'learning-curve', epochMs: 0 },
    params: { 'hyp/lr0': 0.01, 'hyp/momentum': 0.9, 'args/epochs': 5, 'args/optimizer': 'SGD' }, status: 'queued',
  });
  await store.setStatus(t.id, 'running');
  for (let e = 0; e < 5; e++) await store.appendScalars(t.id, e, { [METRIC]: 0.1 * (e + 1), 'train/box_loss': 1 / (e + 1) });
  await store.appendLog(t.id, 'epoch 1\nepoch 2\n');
  return store.setStatus(t.id, 'completed');
}

/**
 * A study written straight through the store API: a controller with a resolved config and
 * `completed` trials (5 epochs each) plus `pruned` ones (2 epochs, stopped "pruned: ..."), one running.
 * `latency`: two objectives, METRIC (maximize) and LATENCY (minimize), and a categorical of numbers, hyp/mixup.
 */
export async function makeStudy(store: TaskStore, options: { completed: number; pruned: number; running?: number; seed?: string; latency?: boolean }): Promise<{ controller: Task; template: Task; trials: Task[] }> {
  const template = await makeTemplate(store);
  const config = configSchema.parse({
    project: 'ui-test', name: 'ui study',
    space: {
      'hyp/lr0': { type: 'float', low: 1e-4, high: 1e-1, log: true }, 'hyp/momentum': { type: 'float', low: 0.6, high: 0.98 }, 'args/optimizer': { type: 'categorical', choices: ['SGD', 'Adam'] },
      ...(options.latency ? { 'hyp/mixup': { type: 'categorical', choices: [0, 0.1, 0.2] } } : {}), // numeric choices: drawn on a category axis
    },
    objective: options.latency ? [{ metric: METRIC, direction: 'maximize' }, { metric: LATENCY, direction: 'minimize' }] : { metric: METRIC, direction: 'maximize' },
  });
  const controller = await store.create({ name: 'ui study', project: 'ui-test', type: 'controller', trainer: { type: 'controller' }, params: {}, config: { study: config, templateId: template.id }, status: 'queued' });
  await store.setStatus(controller.id, 'running');
  const rng = seedrandom(options.seed ?? 'study');
  const trials: Task[] = [];
  const kinds = [...Array(options.completed).fill('completed'), ...Array(options.pruned).fill('pruned'), ...Array(options.running ?? 0).fill('running')];
  for (const [number, kind] of kinds.entries()) trials.push(await addTrial(store, controller.id, template.id, number, kind, rng, { latency: options.latency }));
  return { controller, template, trials };
}

/** One trial of `controllerId`, reported and ended as `kind`. */
export async function addTrial(store: TaskStore, controllerId: string, templateId: string, number: number, kind: 'completed' | 'pruned' | 'running', rng: () => number = Math.random, options: { latency?: boolean } = {}): Promise<Task> {
  const lr = 10 ** (-4 + 3 * rng());
  const params = { 'hyp/lr0': lr, 'hyp/momentum': 0.6 + 0.38 * rng(), 'args/optimizer': rng() < 0.5 ? 'SGD' : 'Adam', ...(options.latency ? { 'hyp/mixup': [0, 0.1, 0.2][number % 3] } : {}) };
  const trial = await store.clone(templateId, { name: `trial ${number}`, params, parent: controllerId, tags: [`trial:${number}`], status: 'queued' });
  await store.setStatus(trial.id, 'running');
  const quality = 1 - Math.abs(Math.log10(lr) + 2) / 2;
  const epochs = kind === 'pruned' ? 2 : kind === 'running' ? 1 : 5;
  const latency = 5 + 20 * quality + 8 * rng();
  for (let e = 0; e < epochs; e++) {
    await store.appendScalars(trial.id, e, { [METRIC]: quality * (0.3 + 0.14 * e), 'train/box_loss': 1 / (e + 1 + quality), ...(options.latency ? { [LATENCY]: latency } : {}) });
  }
  if (kind === 'completed') return store.setStatus(trial.id, 'completed');
  if (kind === 'pruned') return store.setStatus(trial.id, 'stopped', { reason: 'below the median at epoch 2', ending: { kind: 'pruned', reason: 'below the median at epoch 2' } });
  return trial;
}

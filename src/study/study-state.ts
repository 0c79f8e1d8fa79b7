import { isFinal, type Ending, type Params, type ScalarSeries, type Space, type Task, type TaskStore, type TrialState, type TrialView } from '../core/index.ts';
import { ConfigError } from '../core/index.ts';
import type { StudyConfig } from '../config/index.ts';
import { objectiveOf } from './ranking.ts';

/** A trial as the controller reports it: the strategy's view plus its task and bookkeeping. */
export interface TrialRecord extends TrialView {
  task: Task;
  /** Reported epochs so far (any scalar). */
  epochs: number;
  /** How it ended (final tasks). */
  ending?: Ending;
}

/** What a controller task stores in its `config` field. */
export interface ControllerConfig {
  study: StudyConfig;
  templateId: string;
  storeSpec?: string;
}

/** A final task's ending; tasks written before endings existed get the default for their status. */
export function endingOf(task: Task): Ending | undefined {
  if (!isFinal(task.status)) return undefined;
  return task.ending ?? { kind: task.status as Ending['kind'], reason: task.statusReason ?? task.status };
}

/** Task -> trial state as strategies see it, from its typed ending. */
export function trialState(task: Task): TrialState {
  const ending = endingOf(task);
  if (!ending) return 'running';
  if (ending.kind === 'completed') return 'complete';
  return ending.kind === 'pruned' ? 'pruned' : 'failed';
}

export function trialNumber(task: Task, fallback: number): number {
  const tag = task.tags.find((t) => t.startsWith('trial:'));
  return tag ? Number(tag.slice(6)) : fallback;
}

/** Builds one trial's record from its task and scalars. */
export function toTrialRecord(task: Task, number: number, scalars: ScalarSeries, space: Space, objective: StudyConfig['objective']): TrialRecord {
  const series = scalars[objective.metric] ?? [];
  const state = trialState(task);
  return {
    number,
    id: task.id,
    params: searchedParams(task.params, space),
    state,
    value: state === 'complete' ? objectiveOf(series, objective.mode, objective.direction) ?? Number.NaN : undefined,
    intermediate: [...series],
    task,
    epochs: epochsOf(scalars),
    ending: endingOf(task),
  };
}

/** Epochs reported so far: one past the last step of any series. */
export function epochsOf(scalars: ScalarSeries): number {
  return Math.max(0, ...Object.values(scalars).map((s) => (s.length ? s[s.length - 1].step + 1 : 0)));
}

/** Only the params the space searches (what strategies reason about). */
export function searchedParams(params: Params, space: Space): Params {
  return Object.fromEntries(Object.keys(space).filter((k) => k in params).map((k) => [k, params[k]]));
}

/** All trials of a controller, rebuilt from the store (resume, `hpo top`). */
export async function loadTrials(store: TaskStore, controllerId: string, config: StudyConfig): Promise<TrialRecord[]> {
  const tasks = await store.list({ parent: controllerId });
  const records = await Promise.all(
    tasks.map(async (task, i) => toTrialRecord(task, trialNumber(task, i), await store.getScalars(task.id), config.space, config.objective)),
  );
  return records.sort((a, b) => a.number - b.number);
}

/**
 * The controller task `id`, or a ConfigError saying what the id is instead (a training task,
 * a template): commands that take a study id must not fail on a missing `config.study`.
 */
export async function getController(store: TaskStore, id: string, what = 'a study'): Promise<Task> {
  const task = await store.get(id);
  if (task.type !== 'controller' || !(task.config as ControllerConfig | undefined)?.study) {
    throw new ConfigError(
      `Task ${id} is a ${task.type} task ("${task.name}", ${task.status}), not ${what}: pass a controller id ` +
        '(the id `hpo run` printed; list them with `hpo tasks list --type controller`).',
    );
  }
  return task;
}

/**
 * Completed trials of another study, for warm-starting this one. Its space must search the
 * same params with the same kinds of dimension, so its points mean the same here.
 */
export async function loadWarmStart(store: TaskStore, controllerId: string, config: StudyConfig): Promise<TrialView[]> {
  const other = await getController(store, controllerId, 'a study to warm-start from (warmStart)');
  const theirs = (other.config as ControllerConfig).study;
  const ours = Object.keys(config.space).sort();
  const same = JSON.stringify(ours) === JSON.stringify(Object.keys(theirs.space).sort()) && ours.every((k) => theirs.space[k].type === config.space[k].type);
  if (!same) {
    throw new ConfigError(
      `warmStart: study ${controllerId} searches ${Object.keys(theirs.space).join(', ')}, this one ${ours.join(', ')}: ` +
        'warm start needs the same params with the same kinds of dimension. Remove warmStart or align the spaces.',
    );
  }
  const trials = await loadTrials(store, controllerId, { ...theirs, objective: config.objective });
  return trials.filter((t) => t.state === 'complete').map(({ number, id, params, state, value, intermediate }) => ({ number, id, params, state, value, intermediate }));
}

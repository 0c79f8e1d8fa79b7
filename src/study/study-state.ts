import {
  isFinal,
  type Direction,
  type Ending,
  type Params,
  type ScalarSeries,
  type Space,
  type StrategyNote,
  type Task,
  type TaskStore,
  type TrialState,
  type TrialView,
} from '../core/index.ts';
import { ConfigError } from '../core/index.ts';
import type { ConstraintConfig, ObjectiveConfig, StudyConfig } from '../config/index.ts';
import { dropInactive } from '../space/index.ts';
import { objectiveOf } from './ranking.ts';

/** A trial as the controller reports it: the strategy's view plus its task and bookkeeping. */
export interface TrialRecord extends TrialView {
  task: Task;
  /** Reported epochs so far (any scalar). */
  epochs: number;
  /** How it ended (final tasks). */
  ending?: Ending;
  /** Which sampler proposed it and why (strategies with `explain`, e.g. `auto`). */
  note?: StrategyNote;
}

/** What a trial task stores in its `config` field: the note of the strategy that proposed it. */
export interface TrialConfig {
  strategy?: StrategyNote;
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

/** Every objective of a study, in order (configs stored before several objectives existed have one). */
export function objectivesOf(config: StudyConfig): ObjectiveConfig[] {
  return config.objectives ?? [config.objective];
}

export function studyDirections(config: StudyConfig): Direction[] {
  return objectivesOf(config).map((o) => o.direction);
}

/** What a finished trial's scalars say: one value per objective, one violation per constraint. */
export interface TrialResult {
  /** The first objective (NaN when its metric is missing). */
  value: number;
  /** Several objectives: one value each (NaN for a missing metric). */
  values?: number[];
  /** With constraints: one violation each (Optuna's semantics, see constraintViolations). */
  constraints?: number[];
}

/** A finished trial's objectives and constraint violations from its scalars: the one rule for the controller and reloads. */
export function trialResult(scalars: ScalarSeries, config: StudyConfig): TrialResult {
  const values = objectivesOf(config).map((o) => objectiveOf(scalars[o.metric] ?? [], o.mode, o.direction) ?? Number.NaN);
  const constraints = config.constraints ?? [];
  return {
    value: values[0],
    ...(values.length > 1 ? { values } : {}),
    ...(constraints.length > 0 ? { constraints: constraintViolations(scalars, constraints) } : {}),
  };
}

/**
 * One violation per constraint, Optuna's semantics (<= 0 satisfied): the metric's last value
 * minus `max`, `min` minus it, the larger when both are set. A metric the trial never reported
 * counts as violated (+Infinity): a trial that cannot show it keeps a limit does not keep it.
 */
export function constraintViolations(scalars: ScalarSeries, constraints: readonly ConstraintConfig[]): number[] {
  return constraints.map((c) => {
    const last = scalars[c.metric]?.at(-1)?.value;
    if (last === undefined || !Number.isFinite(last)) return Number.POSITIVE_INFINITY;
    return Math.max(c.max !== undefined ? last - c.max : Number.NEGATIVE_INFINITY, c.min !== undefined ? c.min - last : Number.NEGATIVE_INFINITY);
  });
}

/** Builds one trial's record from its task and scalars. */
export function toTrialRecord(task: Task, number: number, scalars: ScalarSeries, config: StudyConfig): TrialRecord {
  const series = scalars[config.objective.metric] ?? [];
  const state = trialState(task);
  const note = (task.config as TrialConfig | undefined)?.strategy;
  return {
    number,
    id: task.id,
    params: searchedParams(task.params, config.space),
    state,
    ...(state === 'complete' ? trialResult(scalars, config) : {}),
    intermediate: [...series],
    task,
    epochs: epochsOf(scalars),
    ending: endingOf(task),
    ...(note ? { note } : {}),
  };
}

/** Epochs reported so far: one past the last step of any series. */
export function epochsOf(scalars: ScalarSeries): number {
  return Math.max(0, ...Object.values(scalars).map((s) => (s.length ? s[s.length - 1].step + 1 : 0)));
}

/**
 * Only the params the space searches (what strategies reason about). In a conditional space the
 * task still holds the template's value of a param the trial left inactive; it is not the trial's.
 */
export function searchedParams(params: Params, space: Space): Params {
  return dropInactive(space, Object.fromEntries(Object.keys(space).filter((k) => k in params).map((k) => [k, params[k]])));
}

/** All trials of a controller, rebuilt from the store (resume, `hpo top`). */
export async function loadTrials(store: TaskStore, controllerId: string, config: StudyConfig): Promise<TrialRecord[]> {
  const tasks = await store.list({ parent: controllerId });
  const records = await Promise.all(
    tasks.map(async (task, i) => toTrialRecord(task, trialNumber(task, i), await store.getScalars(task.id), config)),
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
  // Their trials measured by our objectives and constraints.
  const trials = await loadTrials(store, controllerId, { ...theirs, objective: config.objective, objectives: objectivesOf(config), constraints: config.constraints ?? [] });
  return trials
    .filter((t) => t.state === 'complete')
    .map(({ number, id, params, state, value, values, constraints, intermediate }) => ({ number, id, params, state, value, ...(values ? { values } : {}), ...(constraints ? { constraints } : {}), intermediate }));
}

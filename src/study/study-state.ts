import type { Direction, Params, ScalarSeries, Space, Task, TaskStore, TrialState, TrialView } from '../core/index.ts';
import type { StudyConfig } from '../config/index.ts';
import { objectiveOf } from './ranking.ts';

/** A trial as the controller tracks it: the strategy's view plus bookkeeping. */
export interface TrialRecord extends TrialView {
  task: Task;
  /** Reported epochs so far (any scalar). */
  epochs: number;
}

/** What a controller task stores in its `config` field. */
export interface ControllerConfig {
  study: StudyConfig;
  templateId: string;
  storeSpec?: string;
}

const INTERRUPTED = /^interrupted/;

/** Task status -> trial state as strategies see it. Pruned trials are `stopped` with reason `pruned`. */
export function trialState(task: Task): TrialState {
  switch (task.status) {
    case 'completed':
      return 'complete';
    case 'stopped':
      return task.statusReason?.startsWith('pruned') ? 'pruned' : 'failed';
    case 'failed':
      return 'failed';
    default:
      return 'running';
  }
}

/** Interrupted trials (their process died with a controller) do not count against the budget. */
export function isInterrupted(task: Task): boolean {
  return (task.status === 'failed' || task.status === 'stopped') && INTERRUPTED.test(task.statusReason ?? '');
}

export function trialNumber(task: Task, fallback: number): number {
  const tag = task.tags.find((t) => t.startsWith('trial:'));
  return tag ? Number(tag.slice(6)) : fallback;
}

/** Builds one trial's record from its task and scalars. */
export function toTrialRecord(task: Task, number: number, scalars: ScalarSeries, space: Space, objective: StudyConfig['objective']): TrialRecord {
  const series = scalars[objective.metric] ?? [];
  const state = trialState(task);
  const epochs = Math.max(0, ...Object.values(scalars).map((s) => (s.length ? s[s.length - 1].step + 1 : 0)));
  return {
    number,
    id: task.id,
    params: searchedParams(task.params, space),
    state,
    value: state === 'complete' ? objectiveOf(series, objective.mode, objective.direction as Direction) ?? Number.NaN : undefined,
    intermediate: [...series],
    task,
    epochs,
  };
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

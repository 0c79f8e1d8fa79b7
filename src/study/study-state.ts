import type { Direction, Params, ScalarSeries, Space, StrategyNote, Task, TaskStore, TrialState, TrialView } from '../core/index.ts';
import type { StudyConfig } from '../config/index.ts';
import { objectiveOf } from './ranking.ts';
import { dropInactive, isConditional } from '../space/index.ts';

/** A trial as the controller tracks it: the strategy's view plus bookkeeping. */
export interface TrialRecord extends TrialView {
  task: Task;
  /** Reported epochs so far (any scalar). */
  epochs: number;
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

/**
 * Builds one trial's record from its task and scalars. With `study` (several objectives or
 * constraints) it also fills `values` (one per objective) and `constraints` (violations: the
 * metric's last value minus `max`, `min` minus it; a metric never reported counts as violated).
 */
export function toTrialRecord(
  task: Task,
  number: number,
  scalars: ScalarSeries,
  space: Space,
  objective: StudyConfig['objective'],
  study?: Partial<Pick<StudyConfig, 'objectives' | 'constraints'>>,
): TrialRecord {
  const series = scalars[objective.metric] ?? [];
  const state = trialState(task);
  const epochs = Math.max(0, ...Object.values(scalars).map((s) => (s.length ? s[s.length - 1].step + 1 : 0)));
  const note = (task.config as TrialConfig | undefined)?.strategy;
  const record: TrialRecord = {
    number,
    id: task.id,
    params: searchedParams(task.params, space),
    state,
    value: state === 'complete' ? objectiveOf(series, objective.mode, objective.direction as Direction) ?? Number.NaN : undefined,
    intermediate: [...series],
    task,
    epochs,
    ...(note ? { note } : {}),
  };
  if (state === 'complete' && study?.objectives && study.objectives.length > 1) {
    record.values = study.objectives.map((o) => objectiveOf(scalars[o.metric] ?? [], o.mode, o.direction as Direction) ?? Number.NaN);
  }
  if (state === 'complete' && study?.constraints && study.constraints.length > 0) {
    record.constraints = study.constraints.map((c) => {
      const last = scalars[c.metric]?.at(-1)?.value;
      if (last === undefined || !Number.isFinite(last)) return Number.POSITIVE_INFINITY;
      return Math.max(c.max !== undefined ? last - c.max : Number.NEGATIVE_INFINITY, c.min !== undefined ? c.min - last : Number.NEGATIVE_INFINITY);
    });
  }
  return record;
}

/** The study's directions, one per objective (configs stored before `objectives` existed have one). */
export function studyDirections(config: StudyConfig): Direction[] {
  return (config.objectives ?? [config.objective]).map((o) => o.direction as Direction);
}

/**
 * Only the params the space searches (what strategies reason about). In a conditional space the
 * template may still hold a param the trial left inactive; it is not part of the trial's params.
 */
export function searchedParams(params: Params, space: Space): Params {
  const searched = Object.fromEntries(Object.keys(space).filter((k) => k in params).map((k) => [k, params[k]]));
  return isConditional(space) ? dropInactive(space, searched) : searched;
}

/** All trials of a controller, rebuilt from the store (resume, `hpo top`). */
export async function loadTrials(store: TaskStore, controllerId: string, config: StudyConfig): Promise<TrialRecord[]> {
  const tasks = await store.list({ parent: controllerId });
  const records = await Promise.all(
    tasks.map(async (task, i) => toTrialRecord(task, trialNumber(task, i), await store.getScalars(task.id), config.space, config.objective, config)),
  );
  return records.sort((a, b) => a.number - b.number);
}

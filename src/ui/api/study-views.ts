import type { Direction, Dimension, ParamValue, Space, TaskStore } from '../../core/index.ts';
import { leaderboardOf, type Leaderboard } from '../../study/leaderboard.ts';
import { loadTrials, objectivesOf, type ControllerConfig, type TrialRecord } from '../../study/study-state.ts';
import { HpoError } from '../../core/index.ts';
import { pedAnova, type ParamImportance } from '../math/ped-anova.ts';

/** Every chart of the Study page, computed from one read of the study (the same records `hpo top` reads). */
export interface StudyViews {
  /** The page's header: the leaderboard without its rows, and how many trials it has. */
  summary: Omit<Leaderboard, 'rows'> & { trials: number };
  leaderboard: Leaderboard;
  /** Complete trials in trial order, with the best value up to each. */
  history: Array<{ number: number; id: string; value: number; best: number }>;
  /** Parallel coordinates: one axis per searched param, then the objective (or each objective); one row per complete trial. */
  parallel: { axes: Array<{ name: string; dimension: Dimension | { type: 'objective' } }>; rows: Array<{ id: string; values: Array<ParamValue | number> }> };
  /** Every trial's objective per epoch; pruned trials carry the epoch they stopped at. */
  intermediate: Array<{ number: number; id: string; state: string; points: Array<[number, number]>; prunedAt?: number }>;
  /** Per searched param: (param value, objective) of each complete trial. */
  slices: Array<{ param: string; dimension: Dimension; points: Array<[ParamValue, number, string]> }>;
  /** Who ran what when: one bar per started trial, on a lane (a slot) of its agent. */
  timeline: Array<{ number: number; id: string; agent: string; lane: number; start: number; end: number; status: string }>;
  /** PED-ANOVA over the complete trials; null with fewer than 4. */
  importance: ParamImportance[] | null;
}

export type ViewPart = keyof StudyViews;
/** Every part, in the order answers list them. */
export const VIEW_PARTS = ['summary', 'leaderboard', 'history', 'parallel', 'intermediate', 'slices', 'timeline', 'importance'] as const satisfies readonly ViewPart[];

/**
 * The `parts` of a study's views (all by default), computed from one read of its trials; a part
 * not asked for is not computed. Throws a clear error when `id` is not a controller task.
 */
export async function studyViews<P extends ViewPart = ViewPart>(
  store: TaskStore,
  id: string,
  parts: readonly P[] = VIEW_PARTS as readonly ViewPart[] as readonly P[],
  now = Date.now(),
): Promise<Pick<StudyViews, P>> {
  const controller = await store.get(id);
  if (controller.type !== 'controller') {
    throw new HpoError('NOT_A_STUDY', `Task ${id} is a ${controller.type} task, not a study (controller): open it as a task, or pass a controller id.`);
  }
  const { study } = controller.config as ControllerConfig;
  const trials = await loadTrials(store, id, study);
  const direction = study.objective.direction as Direction;
  const complete = trials.filter((t) => t.state === 'complete' && Number.isFinite(t.value));
  let board: Leaderboard | undefined;
  const leaderboard = () => (board ??= leaderboardOf(controller, trials));
  const compute: { [K in ViewPart]: () => StudyViews[K] } = {
    summary: () => {
      const { rows, ...header } = leaderboard();
      return { ...header, trials: rows.length };
    },
    leaderboard,
    history: () => historyOf(complete, direction),
    parallel: () => parallelOf(study.space, complete, objectivesOf(study).map((o) => o.metric)),
    intermediate: () => trials.map((t) => ({
      number: t.number,
      id: t.id,
      state: t.state,
      points: t.intermediate.map((p) => [p.step, p.value] as [number, number]),
      ...(t.state === 'pruned' && t.intermediate.length ? { prunedAt: t.intermediate.at(-1)!.step } : {}),
    })),
    slices: () => Object.entries(study.space).map(([param, dimension]) => ({
      param,
      dimension,
      points: complete.filter((t) => param in t.params).map((t) => [t.params[param], t.value!, t.id] as [ParamValue, number, string]),
    })),
    timeline: () => timelineOf(trials, now),
    importance: () => (complete.length >= 4 ? pedAnova(study.space, complete.map((t) => ({ params: t.params, value: t.value! })), direction) : null),
  };
  return Object.fromEntries(parts.map((part) => [part, compute[part]()])) as Pick<StudyViews, P>;
}

function historyOf(complete: TrialRecord[], direction: Direction): StudyViews['history'] {
  let best: number | undefined;
  return complete.map((t) => {
    const v = t.value!;
    best = best === undefined || (direction === 'maximize' ? v > best : v < best) ? v : best;
    return { number: t.number, id: t.id, value: v, best };
  });
}

/** Several objectives: one axis for each (named by its metric); one objective: a single `objective` axis. */
function parallelOf(space: Space, complete: TrialRecord[], metrics: string[]): StudyViews['parallel'] {
  const names = Object.keys(space);
  const objectiveAxes = metrics.length > 1 ? metrics : ['objective'];
  return {
    axes: [...names.map((name) => ({ name, dimension: space[name] })), ...objectiveAxes.map((name) => ({ name, dimension: { type: 'objective' as const } }))],
    rows: complete.map((t) => ({ id: t.id, values: [...names.map((n) => t.params[n] ?? null), ...(metrics.length > 1 ? t.values! : [t.value!])] as Array<ParamValue | number> })),
  };
}

/** Lanes per agent by first fit: a trial takes the lowest lane whose last bar ended before it started. */
function timelineOf(trials: TrialRecord[], now: number): StudyViews['timeline'] {
  const started = trials.filter((t) => t.task.startedAt !== undefined).sort((a, b) => a.task.startedAt! - b.task.startedAt!);
  const lanes = new Map<string, number[]>();
  return started.map((t) => {
    const agent = t.task.environment?.host ?? 'local';
    const start = t.task.startedAt!;
    const end = t.task.finishedAt ?? now;
    const ends = lanes.get(agent) ?? [];
    let lane = ends.findIndex((e) => e <= start);
    if (lane < 0) lane = ends.push(end) - 1;
    else ends[lane] = end;
    lanes.set(agent, ends);
    return { number: t.number, id: t.id, agent, lane, start, end, status: t.state === 'pruned' ? 'pruned' : t.task.status };
  });
}

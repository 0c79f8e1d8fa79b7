import type { Params, StrategyNote, Task, TaskStore } from '../core/index.ts';
import { rankStudy, type RankPlace } from './ranking.ts';
import { getController, loadTrials, objectivesOf, studyDirections, type ControllerConfig, type TrialRecord } from './study-state.ts';

export interface LeaderboardRow {
  rank: number;
  taskId: string;
  status: 'completed' | 'pruned' | 'failed' | 'interrupted' | 'running' | 'queued' | 'stopped';
  /** The first objective's value (or last intermediate value while it runs). */
  objective: number | null;
  params: Params;
  epochs: number;
  durationMs: number | null;
  reason?: string;
  /** Several objectives: one value per objective (complete trials). */
  values?: readonly number[];
  /** Several objectives: 0 on the Pareto front, 1 on the next front, ... (feasible complete trials). */
  front?: number;
  /** With constraints: whether the trial kept them all (complete trials). */
  feasible?: boolean;
  /** The sampler that proposed it and why (`auto` records its choice). */
  sampler?: StrategyNote;
}

export interface Leaderboard {
  controllerId: string;
  name: string;
  status: string;
  /** The first objective's metric and direction. */
  metric: string;
  direction: string;
  searched: string[];
  /** Every objective, in order (one entry for single-objective studies). */
  objectives: Array<{ metric: string; direction: string }>;
  /** Several objectives: task ids of the Pareto front (the study's result), in leaderboard order. */
  pareto?: string[];
  rows: LeaderboardRow[];
}

/** A study's leaderboard, rebuilt from the store (works while it runs and after). */
export async function buildLeaderboard(store: TaskStore, controllerId: string): Promise<Leaderboard> {
  const controller = await getController(store, controllerId);
  const { study } = controller.config as ControllerConfig;
  return leaderboardOf(controller, await loadTrials(store, controllerId, study));
}

/** The leaderboard of `controller`'s already loaded trials (for callers that need the trials too). */
export function leaderboardOf(controller: Task, trials: TrialRecord[]): Leaderboard {
  const controllerId = controller.id;
  const { study } = controller.config as ControllerConfig;
  const directions = studyDirections(study);
  const { ranked, places } = rankStudy(trials, directions);
  const rows = toRows(ranked, places);
  return {
    controllerId,
    name: controller.name,
    status: controller.status,
    metric: study.objective.metric,
    direction: study.objective.direction,
    searched: Object.keys(study.space),
    objectives: objectivesOf(study).map((o) => ({ metric: o.metric, direction: o.direction })),
    ...(directions.length > 1 ? { pareto: rows.filter((r) => r.front === 0).map((r) => r.taskId) } : {}),
    rows,
  };
}

export function toRows(ranked: TrialRecord[], places: ReadonlyMap<TrialRecord, RankPlace> = new Map()): LeaderboardRow[] {
  return ranked.map((t, i) => {
    const place = places.get(t);
    return {
      rank: i + 1,
      taskId: t.id,
      status: statusOf(t),
      objective: t.value ?? t.intermediate.at(-1)?.value ?? null,
      params: t.params,
      epochs: t.epochs,
      durationMs: t.task.startedAt ? (t.task.finishedAt ?? Date.now()) - t.task.startedAt : null,
      reason: t.task.statusReason,
      ...(t.values ? { values: t.values } : {}),
      ...(place?.front !== undefined ? { front: place.front } : {}),
      ...(t.constraints && place ? { feasible: place.feasible } : {}),
      ...(t.note ? { sampler: t.note } : {}),
    };
  });
}

function statusOf(t: TrialRecord): LeaderboardRow['status'] {
  if (t.ending?.kind === 'interrupted') return 'interrupted';
  if (t.state === 'pruned') return 'pruned';
  if (t.task.status === 'draft') return 'queued';
  return t.task.status;
}

import type { Params, TaskStore } from '../core/index.ts';
import { rankStudy, type ParetoPlace } from './pareto-ranking.ts';
import { isInterrupted, loadTrials, studyDirections, type ControllerConfig, type TrialRecord } from './study-state.ts';

export interface LeaderboardRow {
  rank: number;
  taskId: string;
  status: 'completed' | 'pruned' | 'failed' | 'interrupted' | 'running' | 'queued' | 'stopped';
  objective: number | null;
  params: Params;
  epochs: number;
  durationMs: number | null;
  reason?: string;
  /** Several objectives: one value per objective (complete trials). */
  values?: readonly number[];
  /** Several objectives: 0 on the Pareto front, 1 on the next front, ... (feasible complete trials). */
  front?: number;
  /** With constraints: whether the trial kept them all. */
  feasible?: boolean;
  /** The sampler that proposed it and why (`auto` records its choice). */
  sampler?: { sampler: string; reason: string };
}

export interface Leaderboard {
  controllerId: string;
  name: string;
  status: string;
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
  const controller = await store.get(controllerId);
  const { study } = controller.config as ControllerConfig;
  const trials = await loadTrials(store, controllerId, study);
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
    objectives: (study.objectives ?? [study.objective]).map((o) => ({ metric: o.metric, direction: o.direction })),
    ...(directions.length > 1 ? { pareto: rows.filter((r) => r.front === 0).map((r) => r.taskId) } : {}),
    rows,
  };
}

export function toRows(ranked: TrialRecord[], places: ReadonlyMap<TrialRecord, ParetoPlace> = new Map()): LeaderboardRow[] {
  return ranked.map((t, i) => ({
    rank: i + 1,
    taskId: t.id,
    status: statusOf(t),
    objective: t.value ?? t.intermediate.at(-1)?.value ?? null,
    params: t.params,
    epochs: t.epochs,
    durationMs: t.task.startedAt ? (t.task.finishedAt ?? Date.now()) - t.task.startedAt : null,
    reason: t.task.statusReason,
    ...(t.values ? { values: t.values } : {}),
    ...(places.get(t)?.front !== undefined ? { front: places.get(t)!.front } : {}),
    ...(places.has(t) && t.state === 'complete' ? { feasible: places.get(t)!.feasible } : {}),
    ...(t.note ? { sampler: t.note } : {}),
  }));
}

function statusOf(t: TrialRecord): LeaderboardRow['status'] {
  if (isInterrupted(t.task)) return 'interrupted';
  if (t.state === 'pruned') return 'pruned';
  if (t.task.status === 'draft') return 'queued';
  return t.task.status;
}

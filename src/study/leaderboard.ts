import type { Params, TaskStore } from '../core/index.ts';
import { rankTrials } from './ranking.ts';
import { getController, loadTrials, type ControllerConfig, type TrialRecord } from './study-state.ts';

export interface LeaderboardRow {
  rank: number;
  taskId: string;
  status: 'completed' | 'pruned' | 'failed' | 'interrupted' | 'running' | 'queued' | 'stopped';
  objective: number | null;
  params: Params;
  epochs: number;
  durationMs: number | null;
  reason?: string;
}

export interface Leaderboard {
  controllerId: string;
  name: string;
  status: string;
  metric: string;
  direction: string;
  searched: string[];
  rows: LeaderboardRow[];
}

/** A study's leaderboard, rebuilt from the store (works while it runs and after). */
export async function buildLeaderboard(store: TaskStore, controllerId: string): Promise<Leaderboard> {
  const controller = await getController(store, controllerId);
  const { study } = controller.config as ControllerConfig;
  const trials = await loadTrials(store, controllerId, study);
  return {
    controllerId,
    name: controller.name,
    status: controller.status,
    metric: study.objective.metric,
    direction: study.objective.direction,
    searched: Object.keys(study.space),
    rows: toRows(rankTrials(trials, study.objective.direction)),
  };
}

export function toRows(ranked: TrialRecord[]): LeaderboardRow[] {
  return ranked.map((t, i) => ({
    rank: i + 1,
    taskId: t.id,
    status: statusOf(t),
    objective: t.value ?? t.intermediate.at(-1)?.value ?? null,
    params: t.params,
    epochs: t.epochs,
    durationMs: t.task.startedAt ? (t.task.finishedAt ?? Date.now()) - t.task.startedAt : null,
    reason: t.task.statusReason,
  }));
}

function statusOf(t: TrialRecord): LeaderboardRow['status'] {
  if (t.ending?.kind === 'interrupted') return 'interrupted';
  if (t.state === 'pruned') return 'pruned';
  if (t.task.status === 'draft') return 'queued';
  return t.task.status;
}

import { isFinal, type TaskStore } from '../core/index.ts';
import { deleteTaskArtifacts, type ArtifactStores } from '../artifacts/index.ts';
import { rankTrials } from './ranking.ts';
import { loadTrials, type ControllerConfig } from './study-state.ts';

/**
 * `budget.keepTopK`: keeps artifacts on the k best finished trials of a study (leaderboard
 * order) and deletes those of every other finished trial, noting why in its record (metadata,
 * scalars and log stay). Running trials are never touched; a trial that falls out of the top k
 * later loses its artifacts on a later call. Returns the ids whose artifacts were deleted.
 */
export async function enforceKeepTopK(store: TaskStore, stores: ArtifactStores, controllerId: string): Promise<string[]> {
  const controller = await store.get(controllerId);
  const { study } = controller.config as ControllerConfig;
  const k = study.budget.keepTopK;
  if (k === undefined) return [];
  const finished = rankTrials(await loadTrials(store, controllerId, study), study.objective.direction).filter((t) => isFinal(t.task.status));
  const deleted: string[] = [];
  for (const trial of finished.slice(k)) {
    if (Object.keys(trial.task.artifacts).length === 0) continue;
    await deleteTaskArtifacts(store, stores, trial.id, `retention: not in the top ${k} by ${study.objective.metric} (budget.keepTopK)`);
    deleted.push(trial.id);
  }
  return deleted;
}

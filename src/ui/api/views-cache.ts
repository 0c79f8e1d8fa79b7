import { isFinal, type TaskStore } from '../../core/index.ts';
import type { StudyViews } from './study-views.ts';

/**
 * The serialized views of studies whose every trial has finished. Finished trials never change
 * (the assumption ScalarCache makes for their scalars), so while the controller's record and the
 * list of its trials are as they were, the answer is the same: a finished study of thousands of
 * trials opens without recomputing it. A study with any trial still queued or running is computed
 * on every request (it changes between them anyway, and its timeline runs to "now").
 */
export class FinishedStudyViews {
  private readonly entries = new Map<string, { key: string; json: string }>();
  constructor(private readonly capacity = 20) {}

  /** JSON of `compute()`, or the kept JSON when the study is unchanged and finished. */
  async json(store: TaskStore, id: string, compute: () => Promise<StudyViews>): Promise<string> {
    const [controller, trials] = await Promise.all([store.get(id), store.list({ parent: id })]);
    const finished = trials.every((t) => isFinal(t.status) && t.finishedAt !== undefined);
    const key = finished ? [controller.status, controller.updatedAt, ...trials.map((t) => `${t.id}:${t.status}:${t.updatedAt}`)].join('|') : undefined;
    const kept = this.entries.get(id);
    if (key !== undefined && kept?.key === key) return kept.json;
    const json = JSON.stringify(await compute());
    this.entries.delete(id);
    if (key !== undefined) {
      if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(id, { key, json });
    }
    return json;
  }
}

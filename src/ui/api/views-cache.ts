import { isFinal, type TaskStore } from '../../core/index.ts';
import type { StudyViews, ViewPart } from './study-views.ts';

/**
 * The serialized views of studies whose every trial has finished, part by part. Finished trials
 * never change (the assumption ScalarCache makes for their scalars), so while the controller's
 * record and the list of its trials are as they were, each part is the same: a finished study of
 * thousands of trials opens without recomputing it. A study with any trial still queued or running
 * is computed on every request (it changes between them anyway, and its timeline runs to "now").
 */
export class FinishedStudyViews {
  private readonly entries = new Map<string, { key: string; parts: Map<ViewPart, string> }>();
  constructor(private readonly capacity = 20) {}

  /** JSON of `{ part: value }` for `parts` (in that order), computing only the parts not kept. */
  async json(store: TaskStore, id: string, parts: readonly ViewPart[], compute: (parts: ViewPart[]) => Promise<Partial<StudyViews>>): Promise<string> {
    const [controller, trials] = await Promise.all([store.get(id), store.list({ parent: id })]);
    const finished = trials.every((t) => isFinal(t.status) && t.finishedAt !== undefined);
    const key = finished ? [controller.status, controller.updatedAt, ...trials.map((t) => `${t.id}:${t.status}:${t.updatedAt}`)].join('|') : undefined;
    let kept = this.entries.get(id);
    if (kept && kept.key !== key) {
      this.entries.delete(id);
      kept = undefined;
    }
    const serialized = kept?.parts ?? new Map<ViewPart, string>();
    const missing = parts.filter((p) => !serialized.has(p));
    if (missing.length) {
      const computed = await compute(missing);
      for (const part of missing) serialized.set(part, JSON.stringify(computed[part]));
    }
    if (key !== undefined && !kept) {
      if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(id, { key, parts: serialized });
    }
    return `{${parts.map((p) => `${JSON.stringify(p)}:${serialized.get(p)}`).join(',')}}`;
  }
}

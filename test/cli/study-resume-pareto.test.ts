import { describe, expect, it } from 'vitest';
import type { Leaderboard } from '../../src/study/leaderboard.ts';
import { writeConfig, writeTemplate } from '../helpers/temp.ts';
import { onlyController, useStudyCli, waitUntil, type StoreKind } from './study-cli-harness.ts';

const space = {
  'hyp/lr0': { type: 'float', low: 1e-4, high: 0.1, log: true },
  'hyp/momentum': { type: 'float', low: 0.6, high: 0.98 },
};
const objective = [
  { metric: 'metrics/mAP_0.5:0.95', direction: 'maximize' },
  { metric: 'train/box_loss', direction: 'minimize' },
];
const BUDGET = 6;

/** True when `a` is at least as good as `b` in both objectives (maximize, minimize) and better in one. */
function dominates(a: readonly number[], b: readonly number[]): boolean {
  return a[0] >= b[0] && a[1] <= b[1] && (a[0] > b[0] || a[1] < b[1]);
}

/** Task ids of the completed rows no other completed row dominates. */
function frontOf(board: Leaderboard): string[] {
  const complete = board.rows.filter((r) => r.status === 'completed');
  return complete.filter((r) => !complete.some((o) => dominates(o.values!, r.values!))).map((r) => r.taskId).sort();
}

describe.each<StoreKind>(['file', 'redis'])('a two-objective study interrupted and resumed (%s store, real processes)', (kind) => {
  const studyCli = useStudyCli(kind);

  it('keeps the Pareto front of the trials done before Ctrl-C and finishes its budget on --resume', async () => {
    const cli = studyCli();
    // 10 epochs of 150 ms: trials done before the interrupt, and others caught running.
    await writeTemplate(cli.dir, { trainer: { epochMs: 150 }, params: { 'args/epochs': 10 } });
    await writeConfig(cli.dir, { space, objective, budget: { maxTrials: BUDGET, concurrency: 2 }, seed: 3 });
    const templateId = await cli.createTemplate();
    const store = await cli.openStore();
    try {
      const run = cli.start(['run', '--template', templateId], { detached: true });
      // Ctrl-C once two trials are complete and a later one is running past its first epoch.
      const controller = await waitUntil('two trials complete and one running', async () => {
        const c = await onlyController(store);
        if (!c) return undefined;
        const completed = await store.list({ parent: c.id, status: 'completed' });
        const running = await store.list({ parent: c.id, status: 'running' });
        const reported = await Promise.all(running.map(async (t) => ((await store.getScalars(t.id))['metrics/mAP_0.5:0.95'] ?? []).length > 0));
        return completed.length >= 2 && completed.length < BUDGET && reported.some(Boolean) && c;
      });
      process.kill(-run.pid!, 'SIGINT');
      const interrupted = await run.result;
      expect(interrupted.code, interrupted.stderr).toBe(130);

      const before = await cli.run(['top', controller.id, '--json']);
      expect(before.code, before.stderr).toBe(0);
      const boardBefore = JSON.parse(before.stdout) as Leaderboard;
      const doneBefore = boardBefore.rows.filter((r) => r.status === 'completed');
      expect(doneBefore.length).toBeGreaterThanOrEqual(2);
      expect(doneBefore.length).toBeLessThan(BUDGET);
      expect(boardBefore.objectives.map((o) => o.metric)).toEqual(objective.map((o) => o.metric));
      // The stored front is the non-dominated set of the trials done so far.
      expect([...boardBefore.pareto!].sort()).toEqual(frontOf(boardBefore));
      expect(boardBefore.pareto!.length).toBeGreaterThan(0);

      const resume = await cli.run(['run', '--resume', controller.id, '--json']);
      expect(resume.code, resume.stderr).toBe(0);
      const board = JSON.parse(resume.stdout) as Leaderboard;
      const done = board.rows.filter((r) => r.status === 'completed');
      // The budget counts completed trials: the ones stopped by Ctrl-C do not, the resume makes them up.
      expect(done).toHaveLength(BUDGET);
      expect((await store.get(controller.id)).status).toBe('completed');
      // The trials done before the interrupt are kept as they were, not run again.
      for (const r of doneBefore) expect(done.find((d) => d.taskId === r.taskId)?.values).toEqual(r.values);
      // The front after the resume is the front of all completed trials, old and new...
      expect([...board.pareto!].sort()).toEqual(frontOf(board));
      expect(board.rows.slice(0, board.pareto!.length).every((r) => r.front === 0)).toBe(true);
      // ...so every member of the old front is still on it, or beaten by a trial the resume ran.
      const newIds = new Set(done.filter((d) => !doneBefore.some((r) => r.taskId === d.taskId)).map((d) => d.taskId));
      for (const id of boardBefore.pareto!) {
        if (board.pareto!.includes(id)) continue;
        const old = done.find((d) => d.taskId === id)!;
        expect(done.some((d) => newIds.has(d.taskId) && dominates(d.values!, old.values!)), `old front member ${id} left the front without a new trial beating it`).toBe(true);
      }
      const result = (await store.get(controller.id)).result as { pareto: Array<{ taskId: string }> };
      expect(result.pareto.map((p) => p.taskId).sort()).toEqual(frontOf(board));
    } finally {
      await store.close();
    }
  }, 300_000);
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir, writeConfig, writeTemplate } from '../helpers/temp.ts';
import { StudyCli, onlyController, waitUntil, type StoreKind } from './study-cli-harness.ts';

const space = { 'hyp/lr0': { type: 'float', low: 1e-4, high: 0.1, log: true } };

/** Ctrl-C as a terminal sends it: SIGINT to the CLI's whole process group. */
function ctrlC(pid: number): void {
  process.kill(-pid, 'SIGINT');
}

describe.each<StoreKind>(['file', 'redis'])('Ctrl-C (%s store, real processes)', (kind) => {
  let cli: StudyCli;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const temp = await tempDir();
    cleanup = temp.cleanup;
    cli = new StudyCli(kind, temp.dir);
  });
  afterEach(async () => {
    await cli.cleanup();
    await cleanup();
  });

  async function startStudy(epochMs: number, epochs: number) {
    await writeTemplate(cli.dir, { trainer: { epochMs }, params: { 'args/epochs': epochs } });
    await writeConfig(cli.dir, { space, budget: { maxTrials: 3, concurrency: 2 }, seed: 1 });
    const templateId = await cli.train();
    const store = await cli.openStore();
    const run = cli.start(['run', '--template', templateId], { detached: true });
    const controller = await waitUntil('two trials past their first epoch', async () => {
      const c = await onlyController(store);
      if (!c) return undefined;
      const running = await store.list({ parent: c.id, status: 'running' });
      const reported = await Promise.all(running.map(async (t) => ((await store.getScalars(t.id))['metrics/mAP_0.5:0.95'] ?? []).length > 0));
      return reported.length === 2 && reported.every(Boolean) && c;
    });
    return { store, run, controller };
  }

  it('once: trials stop at their epoch boundary, nothing new starts, none counts; --resume completes the budget', async () => {
    const { store, run, controller } = await startStudy(300, 20);
    try {
      ctrlC(run.pid!);
      const result = await run.result;
      expect(result.code, result.stderr).toBe(130);
      expect(result.stderr).toContain('stopping the study: running trials stop at their next epoch');
      expect(result.stderr).toContain(`continue it with \`hpo run --resume ${controller.id}\``);
      const trials = await store.list({ parent: controller.id });
      expect(trials, 'no trial launched after Ctrl-C').toHaveLength(2);
      for (const t of trials) {
        // Stopped by the study, not killed by the terminal's SIGINT: not failed, and not counted.
        expect(t.status).toBe('stopped');
        expect(t.ending).toEqual({ kind: 'stopped', reason: 'study stopped: interrupted by user (Ctrl-C)' });
        expect(((await store.getScalars(t.id))['metrics/mAP_0.5:0.95'] ?? []).length).toBeLessThan(20);
      }
      expect(await store.get(controller.id)).toMatchObject({ status: 'stopped', ending: { kind: 'interrupted', reason: 'interrupted by user (Ctrl-C)' } });

      const resume = await cli.run(['run', '--resume', controller.id, '--json']);
      expect(resume.code, resume.stderr).toBe(0);
      expect(await store.list({ parent: controller.id, status: 'completed' })).toHaveLength(3);
      expect((await store.get(controller.id)).status).toBe('completed');
    } finally {
      await store.close();
    }
  }, 300_000);

  it('twice: running trials are killed and recorded interrupted; a resume is not stopped by the old request and completes', async () => {
    // Long epochs: the first Ctrl-C's clean stop cannot finish before the second one arrives.
    const { store, run, controller } = await startStudy(3000, 3);
    try {
      ctrlC(run.pid!);
      await waitUntil('the stop note', async () => (await store.list({ parent: controller.id })).length === 2 && true, 5_000);
      await new Promise((r) => setTimeout(r, 300));
      ctrlC(run.pid!);
      const result = await run.result;
      expect(result.code, result.stderr).toBe(130);
      expect(result.stderr).toContain('killing running trials');
      const trials = await store.list({ parent: controller.id });
      expect(trials).toHaveLength(2);
      for (const t of trials) expect(t).toMatchObject({ status: 'stopped', ending: { kind: 'interrupted', reason: 'interrupted by user (second Ctrl-C)' } });
      // A stale stop request left on the controller (a process killed mid-stop) must not stop the resume.
      await store.requestStop(controller.id, 'left over');
      const resume = await cli.run(['run', '--resume', controller.id, '--json']);
      expect(resume.code, resume.stderr).toBe(0);
      expect(await store.list({ parent: controller.id, status: 'completed' })).toHaveLength(3);
    } finally {
      await store.close();
    }
  }, 300_000);
});

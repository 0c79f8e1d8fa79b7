import { describe, expect, it } from 'vitest';
import { writeConfig, writeTemplate } from '../helpers/temp.ts';
import { onlyController, useStudyCli, waitUntil, type StoreKind, type StudyCli } from './study-cli-harness.ts';

const space = { 'hyp/lr0': { type: 'float', low: 1e-4, high: 0.1, log: true } };

/** Ctrl-C as a terminal sends it: SIGINT to the CLI's whole process group. */
function ctrlC(pid: number): void {
  process.kill(-pid, 'SIGINT');
}

describe.each<StoreKind>(['file', 'redis'])('Ctrl-C (%s store, real processes)', (kind) => {
  const studyCli = useStudyCli(kind);

  /**
   * A study of 3 trials, 2 at a time, running until both trials have reported an epoch. The
   * template is a draft (`task create`): training it first would cost a whole trial's time.
   */
  async function startStudy(cli: StudyCli, template: { epochMs: number; epochs: number; params?: Record<string, unknown> }) {
    await writeTemplate(cli.dir, { trainer: { epochMs: template.epochMs }, params: { 'args/epochs': template.epochs, ...template.params } });
    await writeConfig(cli.dir, { space, budget: { maxTrials: 3, concurrency: 2 }, seed: 1 });
    const templateId = await cli.createTemplate();
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
    const cli = studyCli();
    // 12 epochs of 250 ms: seconds left to stop each trial early, and a short resume.
    const { store, run, controller } = await startStudy(cli, { epochMs: 250, epochs: 12 });
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
        expect(((await store.getScalars(t.id))['metrics/mAP_0.5:0.95'] ?? []).length).toBeLessThan(12);
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
    const cli = studyCli();
    // Trials that ignore stop requests: the first Ctrl-C's clean stop can never finish before the
    // second one arrives, however the epochs fall (a resume's trials, never asked to stop, complete).
    const { store, run, controller } = await startStudy(cli, { epochMs: 250, epochs: 12, params: { 'fault/mode': 'ignore-stop' } });
    try {
      ctrlC(run.pid!);
      // The first Ctrl-C is handled once the study has asked both trials to stop.
      await waitUntil('the stop requests', async () => {
        const trials = await store.list({ parent: controller.id });
        return trials.length === 2 && trials.every((t) => t.stopRequest);
      });
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

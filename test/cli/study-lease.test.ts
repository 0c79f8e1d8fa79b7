import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { writeConfig, writeTemplate } from '../helpers/temp.ts';
import { onlyController, paramKeys, useStudyCli, waitUntil, type StoreKind } from './study-cli-harness.ts';

const space = { 'hyp/lr0': { type: 'float', low: 1e-4, high: 0.1, log: true }, 'hyp/momentum': { type: 'float', low: 0.6, high: 0.98 } };

describe.each<StoreKind>(['file', 'redis'])('one controller at a time (%s store, real processes)', (kind) => {
  const studyCli = useStudyCli(kind);

  it('after kill -9 a plain resume is refused, two --force resumes race: one runs, one exits 1 naming it; the budget completes once', async () => {
    const cli = studyCli();
    await writeTemplate(cli.dir, { trainer: { epochMs: 150 } });
    await writeConfig(cli.dir, { space, budget: { maxTrials: 6, concurrency: 2 }, seed: 4 });
    const templateId = await cli.createTemplate();
    const store = await cli.openStore();
    try {
      const first = cli.start(['run', '--template', templateId]);
      const controller = await waitUntil('two completed trials', async () => {
        const c = await onlyController(store);
        return c && (await store.list({ parent: c.id, status: 'completed' })).length >= 2 && c;
      });
      expect((await store.get(controller.id)).lease).toMatchObject({ owner: `${os.hostname()} pid ${first.pid}`, pid: first.pid });
      first.kill('SIGKILL');
      await first.result;

      // The dead owner's lease is still there: a plain resume says so and how to take over.
      const plain = await cli.run(['run', '--resume', controller.id]);
      expect(plain.code).toBe(1);
      expect(plain.stderr).toContain(`Study ${controller.id} was run by ${os.hostname()} pid ${first.pid}, whose lease expired`);
      expect(plain.stderr).toContain('Resume with --force to take it over.');
      expect(plain.stderr).not.toContain('    at ');

      const a = cli.start(['run', '--resume', controller.id, '--force', '--json']);
      const b = cli.start(['run', '--resume', controller.id, '--force', '--json']);
      const [ra, rb] = await Promise.all([a.result, b.result]);
      const [winner, loser, loserResult] = ra.code === 0 ? [a, b, rb] : [b, a, ra];
      expect([ra.code, rb.code].sort(), `${ra.stderr}\n---\n${rb.stderr}`).toEqual([0, 1]);
      expect(loserResult.stderr).toMatch(new RegExp(`Study ${controller.id} is being run by ${os.hostname()} pid ${winner.pid} \\(its lease expires at \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z unless renewed\\)`));
      expect(loser.pid).not.toBe(winner.pid);

      const trials = await store.list({ parent: controller.id });
      const completed = trials.filter((t) => t.status === 'completed');
      expect(completed).toHaveLength(6);
      const keys = paramKeys(trials, Object.keys(space));
      expect(new Set(keys).size, 'no param set ran twice').toBe(keys.length);
      for (const t of trials.filter((t) => t.status !== 'completed')) expect(t.ending?.kind).toBe('interrupted');
      const done = await store.get(controller.id);
      expect(done).toMatchObject({ status: 'completed', ending: { kind: 'completed' } });
      expect(done.lease).toBeUndefined();
    } finally {
      await store.close();
    }
  }, 300_000);

  it('a resume of a study that is running elsewhere exits 1 at once, naming the owner', async () => {
    const cli = studyCli();
    // Trials long enough that the study is surely still running when the second CLI is up, even on a
    // loaded box; the template is a draft, since training it would take as long as a trial.
    await writeTemplate(cli.dir, { trainer: { epochMs: 500 }, params: { 'args/epochs': 400 } });
    await writeConfig(cli.dir, { space, budget: { maxTrials: 2, concurrency: 2 } });
    const templateId = await cli.createTemplate();
    const store = await cli.openStore();
    const running = cli.start(['run', '--template', templateId]);
    try {
      const controller = await waitUntil('the lease', async () => {
        const c = await onlyController(store);
        return c?.lease && c;
      });
      const second = await cli.run(['run', '--resume', controller.id, '--force']);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`is being run by ${os.hostname()} pid ${running.pid}`);
      expect((await store.get(controller.id)).lease?.pid).toBe(running.pid);
      // Ended as `hpo stop` would: the controller stops its trials and waits for them to exit, so
      // no orphan trial (they would run for minutes) writes to this test's store after cleanup.
      await store.requestStop(controller.id, 'test over');
      expect((await running.result).code).toBe(130);
    } finally {
      if (running.exitCode === null) running.kill('SIGKILL');
      await store.close();
    }
  }, 300_000);
});

import { describe, expect, it } from 'vitest';
import { FileTaskStore } from '../../src/store/index.ts';
import { studyViews, VIEW_PARTS, type StudyViews, type ViewPart } from '../../src/ui/api/study-views.ts';
import { FinishedStudyViews } from '../../src/ui/api/views-cache.ts';
import { tempDir } from '../store/helpers.ts';
import { addTrial, makeStudy } from './study-fixture.ts';

describe('FinishedStudyViews', () => {
  it('keeps a finished study\'s views until its controller or a trial changes, and computes a running one every time', async () => {
    const store = new FileTaskStore({ root: tempDir('hpo-views-cache-') });
    const { controller, template, trials } = await makeStudy(store, { completed: 4, pruned: 1 });
    const views = new FinishedStudyViews();
    let computed = 0;
    const compute = (parts: ViewPart[]) => (computed++, studyViews(store, controller.id, parts));
    const all = [...VIEW_PARTS];
    const first = JSON.parse(await views.json(store, controller.id, all, compute)) as StudyViews;
    expect(first.history).toHaveLength(4);
    expect(await views.json(store, controller.id, all, compute)).toBe(JSON.stringify(first));
    expect(computed).toBe(1);

    await store.update(trials[0].id, { tags: ['looked at'] }); // a finished trial's record changed
    await views.json(store, controller.id, all, compute);
    expect(computed).toBe(2);
    await store.setStatus(controller.id, 'completed');
    expect((JSON.parse(await views.json(store, controller.id, all, compute)) as StudyViews).leaderboard.status).toBe('completed');
    expect(computed).toBe(3);

    await addTrial(store, controller.id, template.id, 5, 'running');
    const running = JSON.parse(await views.json(store, controller.id, all, compute)) as StudyViews;
    expect(running.intermediate).toHaveLength(6);
    await views.json(store, controller.id, all, compute);
    expect(computed).toBe(5); // a trial is running: no answer is kept
    await store.close();
  });

  it('answers some parts, in the order asked, computing only those it does not keep', async () => {
    const store = new FileTaskStore({ root: tempDir('hpo-views-parts-') });
    const { controller } = await makeStudy(store, { completed: 5, pruned: 1 });
    const views = new FinishedStudyViews();
    const asked: ViewPart[][] = [];
    const compute = (parts: ViewPart[]) => (asked.push(parts), studyViews(store, controller.id, parts));
    const whole = await studyViews(store, controller.id);

    const head = JSON.parse(await views.json(store, controller.id, ['summary', 'history'], compute));
    expect(Object.keys(head)).toEqual(['summary', 'history']);
    const { rows, ...header } = whole.leaderboard;
    expect(head.summary).toEqual(JSON.parse(JSON.stringify({ ...header, trials: rows.length })));
    expect(head.history).toEqual(whole.history);

    const rest = JSON.parse(await views.json(store, controller.id, ['history', 'leaderboard', 'timeline'], compute));
    expect(Object.keys(rest)).toEqual(['history', 'leaderboard', 'timeline']);
    expect(rest.leaderboard).toEqual(JSON.parse(JSON.stringify(whole.leaderboard)));
    expect(asked).toEqual([['summary', 'history'], ['leaderboard', 'timeline']]); // history was kept
    await store.close();
  });
});

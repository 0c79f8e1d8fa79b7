import { describe, expect, it } from 'vitest';
import { FileTaskStore } from '../../src/store/index.ts';
import { studyViews, type StudyViews } from '../../src/ui/api/study-views.ts';
import { FinishedStudyViews } from '../../src/ui/api/views-cache.ts';
import { tempDir } from '../store/helpers.ts';
import { addTrial, makeStudy } from './study-fixture.ts';

describe('FinishedStudyViews', () => {
  it('keeps a finished study\'s views until its controller or a trial changes, and computes a running one every time', async () => {
    const store = new FileTaskStore({ root: tempDir('hpo-views-cache-') });
    const { controller, template, trials } = await makeStudy(store, { completed: 4, pruned: 1 });
    const views = new FinishedStudyViews();
    let computed = 0;
    const compute = () => (computed++, studyViews(store, controller.id));
    const first = JSON.parse(await views.json(store, controller.id, compute)) as StudyViews;
    expect(first.history).toHaveLength(4);
    expect(await views.json(store, controller.id, compute)).toBe(JSON.stringify(first));
    expect(computed).toBe(1);

    await store.update(trials[0].id, { tags: ['looked at'] }); // a finished trial's record changed
    await views.json(store, controller.id, compute);
    expect(computed).toBe(2);
    await store.setStatus(controller.id, 'completed');
    expect((JSON.parse(await views.json(store, controller.id, compute)) as StudyViews).leaderboard.status).toBe('completed');
    expect(computed).toBe(3);

    await addTrial(store, controller.id, template.id, 5, 'running');
    const running = JSON.parse(await views.json(store, controller.id, compute)) as StudyViews;
    expect(running.intermediate).toHaveLength(6);
    await views.json(store, controller.id, compute);
    expect(computed).toBe(5); // a trial is running: no answer is kept
    await store.close();
  });
});

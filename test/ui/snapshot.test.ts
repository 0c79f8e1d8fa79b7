import { describe, expect, it } from 'vitest';
import { FileTaskStore } from '../../src/store/index.ts';
import { TaskSnapshot } from '../../src/ui/api/snapshot.ts';
import { tempDir } from '../store/helpers.ts';
import { makeTemplate } from './study-fixture.ts';

describe('TaskSnapshot', () => {
  it('answers list(filter) from a snapshot until it is maxAge old, then reads the store again', async () => {
    const store = new FileTaskStore({ root: tempDir('hpo-snap-') });
    let now = 1000;
    const snapshot = new TaskSnapshot(store, 500, () => now);
    const a = await makeTemplate(store, 'a');
    expect((await snapshot.list()).map((t) => t.id)).toEqual([a.id]);
    const b = await makeTemplate(store, 'b');
    now += 500;
    expect((await snapshot.list()).map((t) => t.id)).toEqual([a.id]); // still within maxAge
    now += 1;
    expect((await snapshot.list()).map((t) => t.id)).toEqual([a.id, b.id]);
    expect((await snapshot.list({ status: 'queued' })).length).toBe(0);
    expect((await snapshot.list({ project: 'ui-test', type: 'training' })).length).toBe(2);
    const c = await makeTemplate(store, 'c');
    await snapshot.refresh(); // what the event poller does each round
    expect((await snapshot.list()).map((t) => t.id)).toEqual([a.id, b.id, c.id]);
    await store.close();
  });
});

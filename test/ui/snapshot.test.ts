import { describe, expect, it } from 'vitest';
import { FileTaskStore } from '../../src/store/index.ts';
import { TaskSnapshot } from '../../src/ui/api/snapshot.ts';
import { tempDir } from '../store/helpers.ts';
import { makeTemplate } from './study-fixture.ts';

describe('TaskSnapshot', () => {
  it('serves list(filter) from the snapshot, refreshes it in the background once stale, and reads first after invalidate', async () => {
    const store = new FileTaskStore({ root: tempDir('hpo-snap-') });
    let now = 1000;
    const snapshot = new TaskSnapshot(store, 500, () => now);
    let reads = 0;
    const list = store.list.bind(store);
    store.list = (filter) => (reads++, list(filter));
    const a = await makeTemplate(store, 'a');
    expect((await snapshot.list()).map((t) => t.id)).toEqual([a.id]); // first call reads the store
    const b = await makeTemplate(store, 'b');
    now += 500;
    expect((await snapshot.list()).map((t) => t.id)).toEqual([a.id]); // fresh enough: no read
    now += 1;
    expect((await snapshot.list()).map((t) => t.id)).toEqual([a.id]); // stale: served, and a refresh starts after this request
    expect(reads).toBe(1); // not inside it: a file store's synchronous read would hold up the answer
    await new Promise((resolve) => setImmediate(resolve)); // (the background refresh runs here, on its own)
    expect((await snapshot.list()).map((t) => t.id)).toEqual([a.id, b.id]);
    expect((await snapshot.list()).map((t) => t.id)).toEqual([a.id, b.id]);
    expect((await snapshot.list({ status: 'queued' })).length).toBe(0);
    expect((await snapshot.list({ project: 'ui-test', type: 'training' })).length).toBe(2);
    const c = await makeTemplate(store, 'c');
    snapshot.invalidate(); // what the server does after its own clone or stop
    expect((await snapshot.list()).map((t) => t.id)).toEqual([a.id, b.id, c.id]);
    await store.close();
  });
});

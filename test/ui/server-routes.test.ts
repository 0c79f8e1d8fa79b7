import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { FileTaskStore } from '../../src/store/index.ts';
import { ArtifactStores, FolderArtifactStore, saveTaskArtifact } from '../../src/artifacts/index.ts';
import { buildLeaderboard } from '../../src/study/leaderboard.ts';
import { buildUiApp } from '../../src/ui/server.ts';
import type { StudyViews } from '../../src/ui/api/study-views.ts';
import { tempDir } from '../store/helpers.ts';
import { LATENCY, makeStudy, METRIC } from './study-fixture.ts';

let store: FileTaskStore;
let artifacts: ArtifactStores;
let root: string;
let app: FastifyInstance;
let ids: Awaited<ReturnType<typeof makeStudy>>;

beforeEach(async () => {
  root = tempDir('hpo-ui-');
  store = new FileTaskStore({ root });
  ids = await makeStudy(store, { completed: 6, pruned: 2, running: 1 });
  artifacts = new ArtifactStores(new FolderArtifactStore(`${root}/artifacts`, { durable: false }));
  app = buildUiApp({ store, storeSpec: root, artifacts });
});
afterEach(async () => {
  await app.close();
  await store.close();
});

describe('hpo ui API (app.inject)', () => {
  it('lists tasks with chosen columns, sorted by a metric, paged', async () => {
    const res = await app.inject(`/api/tasks?parent=${ids.controller.id}&columns=name,param:hyp/lr0,last:${encodeURIComponent(METRIC)},best:train/box_loss&sort=last:${encodeURIComponent(METRIC)}&order=desc&limit=4`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.total).toBe(9);
    expect(body.rows).toHaveLength(4);
    const values = body.rows.map((r: { values: Record<string, number> }) => r.values[`last:${METRIC}`]);
    expect(values).toEqual([...values].sort((a, b) => b - a));
    const all = await Promise.all(ids.trials.map(async (t) => (await store.getScalars(t.id))[METRIC].at(-1)!.value));
    expect(values[0]).toBe(Math.max(...all));
    // best of a loss is its minimum
    const top = body.rows[0];
    const loss = (await store.getScalars(top.id))['train/box_loss'].map((p) => p.value);
    expect(top.values['best:train/box_loss']).toBe(Math.min(...loss));
    expect(top.values['param:hyp/lr0']).toBe((await store.get(top.id)).params['hyp/lr0']);
  });

  it('filters by status, tag and text, and exports CSV', async () => {
    const pruned = (await app.inject(`/api/tasks?parent=${ids.controller.id}&status=stopped`)).json();
    expect(pruned.total).toBe(2);
    expect((await app.inject('/api/tasks?tag=trial:3')).json().rows.map((r: { id: string }) => r.id)).toEqual([ids.trials[3].id]);
    expect((await app.inject('/api/tasks?q=UI%20STUDY')).json().rows.map((r: { id: string }) => r.id)).toEqual([ids.controller.id]);
    const csv = await app.inject(`/api/tasks?parent=${ids.controller.id}&columns=name,status&format=csv`);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.split('\r\n')[0]).toBe('id,name,status');
    expect(csv.body.split('\r\n').filter(Boolean)).toHaveLength(10);
  });

  it('names the field, the value and the fix for a bad query', async () => {
    const res = await app.inject('/api/tasks?status=done');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/status/);
    expect(res.json().error.message).toMatch(/done/);
    const col = await app.inject('/api/tasks?columns=nope');
    expect(col.json().error.message).toContain('Invalid column "nope"');
    expect((await app.inject('/api/tasks/does-not-exist')).statusCode).toBe(404);
    expect((await app.inject('/api/tasks/..%2Fetc')).statusCode).toBe(400);
  });

  it('returns what the CLI returns: tasks show --json and top --json', async () => {
    const trial = ids.trials[0];
    const one = (await app.inject(`/api/tasks/${trial.id}`)).json();
    expect(one).toEqual(JSON.parse(JSON.stringify({ ...(await store.get(trial.id)), scalars: await store.getScalars(trial.id), log: await store.readLog(trial.id) })));
    const board = (await app.inject(`/api/studies/${ids.controller.id}/leaderboard`)).json();
    const cli = JSON.parse(JSON.stringify(await buildLeaderboard(store, ids.controller.id)));
    // durations of running trials move with the clock; everything else is the CLI's answer
    const stable = (b: typeof cli) => ({ ...b, rows: b.rows.map((r: { durationMs: number | null; status: string }) => ({ ...r, durationMs: r.status === 'running' ? null : r.durationMs })) });
    expect(stable(board)).toEqual(stable(cli));
  });

  it("computes a study's views: history with best so far, parallel, pruned marks, slices, timeline, importance", async () => {
    const views: StudyViews = (await app.inject(`/api/studies/${ids.controller.id}/views`)).json();
    expect(views.history).toHaveLength(6);
    for (let i = 0; i < views.history.length; i++) expect(views.history[i].best).toBe(Math.max(...views.history.slice(0, i + 1).map((p) => p.value)));
    expect(views.parallel.axes.map((a) => a.name)).toEqual(['hyp/lr0', 'hyp/momentum', 'args/optimizer', 'objective']);
    expect(views.parallel.rows).toHaveLength(6);
    expect(views.intermediate).toHaveLength(9);
    expect(views.intermediate.filter((t) => t.prunedAt === 1)).toHaveLength(2);
    expect(views.slices.map((s) => s.points.length)).toEqual([6, 6, 6]);
    expect(views.timeline).toHaveLength(9);
    expect(views.timeline.every((t) => t.end >= t.start)).toBe(true);
    expect(views.importance?.map((i) => i.param).sort()).toEqual(['args/optimizer', 'hyp/lr0', 'hyp/momentum']);
    const some = (await app.inject(`/api/studies/${ids.controller.id}/views?parts=history,summary`)).json();
    expect(Object.keys(some)).toEqual(['summary', 'history']); // in the answer's order
    expect(some.history).toEqual(views.history);
    expect(some.summary).toMatchObject({ controllerId: ids.controller.id, metric: views.leaderboard.metric, trials: views.leaderboard.rows.length });
    const badPart = await app.inject(`/api/studies/${ids.controller.id}/views?parts=history,charts`);
    expect(badPart.statusCode).toBe(400);
    expect(badPart.json().error.message).toMatch(/"summary"[\s\S]*received "charts"[\s\S]*at parts/);
    const notStudy = await app.inject(`/api/studies/${ids.template.id}/views`);
    expect(notStudy.statusCode).toBe(400);
    expect(notStudy.json().error.code).toBe('NOT_A_STUDY');
  });

  it("gives a two-objective study's parallel coordinates an axis per objective, with each trial's values", async () => {
    const mo = await makeStudy(store, { completed: 5, pruned: 1, latency: true, seed: 'mo' });
    const views: StudyViews = (await app.inject(`/api/studies/${mo.controller.id}/views`)).json();
    expect(views.parallel.axes.map((a) => a.name)).toEqual(['hyp/lr0', 'hyp/momentum', 'args/optimizer', 'hyp/mixup', METRIC, LATENCY]);
    const byId = new Map(views.leaderboard.rows.map((r) => [r.taskId, r.values]));
    expect(views.parallel.rows).toHaveLength(5);
    for (const row of views.parallel.rows) expect(row.values.slice(4)).toEqual(byId.get(row.id));
  });

  it('serves ECharts gzipped to a browser that accepts it (the build compresses it once), plain otherwise', async () => {
    const plain = await app.inject('/vendor/echarts.min.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toContain('echarts');
    const zipped = await app.inject({ url: '/vendor/echarts.min.js', headers: { 'accept-encoding': 'gzip, deflate' } });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toBe('accept-encoding');
    expect(zipped.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2);
    expect(gunzipSync(zipped.rawPayload).toString('utf8')).toBe(plain.body);
  });

  it('tails the log from an offset and serves artifacts (images inline, others as downloads)', async () => {
    const t = ids.template.id;
    const first = (await app.inject(`/api/tasks/${t}/log`)).json();
    await store.appendLog(t, 'epoch 3\n');
    const next = (await app.inject(`/api/tasks/${t}/log?offset=${first.offset}`)).json();
    expect(next.text).toBe('epoch 3\n');
    await saveTaskArtifact(store, artifacts.primary, t, 'results.csv', 'a,b\n1,2\n');
    await saveTaskArtifact(store, artifacts.primary, t, 'plot.png', new Uint8Array([0x89, 0x50, 0x4e, 0x47]));
    const csv = await app.inject(`/api/tasks/${t}/artifacts/results.csv`);
    expect(csv.body).toBe('a,b\n1,2\n');
    expect(csv.headers['content-disposition']).toContain('attachment');
    expect(csv.headers['x-content-type-options']).toBe('nosniff');
    expect((await app.inject(`/api/tasks/${t}/artifacts/plot.png`)).headers['content-type']).toBe('image/png');
  });

  it('stops a task through the hpo stop rule, and clones with --set validation', async () => {
    const running = ids.trials.at(-1)!;
    expect((await app.inject({ method: 'POST', url: `/api/tasks/${running.id}/stop`, payload: { reason: 'from a test' } })).json()).toEqual({ kind: 'requested', type: 'training' });
    expect((await store.get(running.id)).stopRequest?.reason).toBe('from a test');
    const bad = await app.inject({ method: 'POST', url: `/api/tasks/${ids.template.id}/clone`, payload: { set: ['hyp/lr0=fast'] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toBe('Invalid --set hyp/lr0=fast: hyp/lr0 is a number (currently 0.01), got "fast"');
    const ok = await app.inject({ method: 'POST', url: `/api/tasks/${ids.template.id}/clone`, payload: { set: ['hyp/lr0=0.02', 'hyp/new=1'], name: 'edited' } });
    expect(ok.statusCode).toBe(201);
    const clone = await store.get(ok.json().id);
    expect(clone).toMatchObject({ name: 'edited', status: 'draft', parent: ids.template.id });
    expect(clone.params).toMatchObject({ 'hyp/lr0': 0.02, 'hyp/new': 1, 'hyp/momentum': 0.9 });
  });

  it('runs a clone here in a child process (the function trainer), reported through the store', async () => {
    const res = await app.inject({ method: 'POST', url: `/api/tasks/${ids.template.id}/clone`, payload: { set: ['args/epochs=3'], then: 'run' } });
    expect(res.statusCode).toBe(201);
    const id = res.json().id;
    let task = await store.get(id);
    for (let i = 0; i < 600 && task.status !== 'completed' && task.status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      task = await store.get(id);
    }
    expect(task.status).toBe('completed');
    expect((await store.getScalars(id))['metrics/mAP_0.5:0.95']).toHaveLength(3);
  });

  it('refuses actions when read-only, and every API call without the token', async () => {
    const ro = buildUiApp({ store, storeSpec: root, artifacts, readOnly: true });
    const res = await ro.inject({ method: 'POST', url: `/api/tasks/${ids.template.id}/clone`, payload: {} });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('UI_READ_ONLY');
    await ro.close();
    const locked = buildUiApp({ store, storeSpec: root, artifacts, token: 's3cret' });
    for (const url of ['/api/tasks', `/api/tasks/${ids.template.id}`, `/api/studies/${ids.controller.id}/views`, '/api/events']) {
      expect((await locked.inject(url)).statusCode).toBe(401);
      expect((await locked.inject({ url, headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    }
    expect((await locked.inject({ url: '/api/tasks', headers: { authorization: 'Bearer s3cret' } })).statusCode).toBe(200);
    expect((await locked.inject('/api/tasks?token=s3cret')).statusCode).toBe(200);
    await locked.close();
  });
});

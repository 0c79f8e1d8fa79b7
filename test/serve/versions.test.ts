/**
 * Versions without downtime, over real HTTP: a swap under load loses no request and every answer
 * comes whole from the old or the new version (checked against each version's own detections);
 * a 20 % canary takes 20 +- 5 % of 1,000 requests; promote and rollback move all traffic.
 */
import { readFile, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskStore } from '../../src/core/index.ts';
import type { RunningServer } from '../../src/serve/server.ts';
import { expectSameDetections } from './detections.ts';
import { fetchJson, serve, servingImages, storeWithTasks } from './fixtures.ts';

let store: TaskStore;
let dir: string;
let tasks: string[];
let server: RunningServer;
let image: Buffer;

beforeAll(async () => {
  const fx = await storeWithTasks([1, 2]);
  ({ store, dir, tasks } = fx);
  fx.models.forEach((m) => m.dispose());
  image = await readFile((await servingImages(dir, 2)).files[0]);
  server = await serve(store, dir, tasks[0]);
});

afterAll(async () => {
  await server?.close();
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function predict(): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.url}/v1/models/detector/predict?conf=0.005`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: image });
  return { status: res.status, body: await res.json() };
}

async function setVersion(task: string, traffic: number): Promise<any> {
  const res = await fetch(`${server.url}/v1/models/detector/versions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ task, traffic }) });
  expect([200, 201]).toContain(res.status);
  return res.json();
}

/**
 * At least `total` requests from `clients` concurrent loops; `during` runs once `startAfter` have
 * been answered, and the load goes on until `startAfter` more are sent after it is done, so it
 * happens under load and is seen, however fast the server answers.
 */
async function load(total: number, clients: number, during?: { startAfter: number; run: () => Promise<unknown> }) {
  const answers: { status: number; body: any }[] = [];
  let sent = 0;
  let duringDone: Promise<unknown> | undefined;
  // Requests go on until `total` are sent and, with `during`, `startAfter` more after it is done.
  let until = during ? Number.POSITIVE_INFINITY : total;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (sent < Math.max(total, until) && sent < 20 * total) {
      sent++;
      answers.push(await predict());
      if (during && !duringDone && answers.length >= during.startAfter) duringDone = during.run().finally(() => (until = sent + during.startAfter));
    }
  }));
  await duringDone;
  return { answers, sent };
}

describe('model versions', () => {
  it('swaps under load without losing a request; each answer is wholly the old or the new version', async () => {
    const old = (await predict()).body.images[0].detections;
    const { answers, sent } = await load(160, 8, { startAfter: 40, run: () => setVersion(tasks[1], 1) });
    const fresh = await predict();
    expect(fresh.body.version).toBe(tasks[1]);
    const next = fresh.body.images[0].detections;
    expect(answers.length).toBeGreaterThanOrEqual(160);
    expect(answers).toHaveLength(sent);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const byVersion = { [tasks[0]]: old, [tasks[1]]: next };
    const seen = new Set<string>();
    for (const a of answers) {
      expect(Object.keys(byVersion)).toContain(a.body.version);
      seen.add(a.body.version);
      expectSameDetections(a.body.images[0].detections, byVersion[a.body.version], `answer of ${a.body.version}`);
    }
    expect(seen.size).toBe(2);
    // The two versions really differ, so the check above could tell them apart.
    expect(JSON.stringify(old)).not.toBe(JSON.stringify(next));
    await server.state.models.get('detector')!.settled();
    const models = await fetchJson(`${server.url}/v1/models`);
    expect(models.models[0].versions).toEqual([{ version: tasks[1], role: 'primary', traffic: 1 }]);
  });

  it('sends a 20 % canary 20 +- 5 % of 1,000 requests, then promote and rollback move all traffic', async () => {
    const view = await setVersion(tasks[0], 0.2); // tasks[1] is primary now; tasks[0] comes back as canary
    expect(view.versions).toEqual([
      { version: tasks[1], role: 'primary', traffic: 0.8 },
      { version: tasks[0], role: 'canary', traffic: 0.2 },
    ]);
    const { answers } = await load(1000, 8);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const share = answers.filter((a) => a.body.version === tasks[0]).length / answers.length;
    expect(share).toBeGreaterThan(0.15);
    expect(share).toBeLessThan(0.25);

    const rolled = await fetchJson(`${server.url}/v1/models/detector/rollback`, { method: 'POST' });
    expect(rolled.versions).toEqual([{ version: tasks[1], role: 'primary', traffic: 1 }]);
    expect((await load(40, 4)).answers.every((a) => a.body.version === tasks[1])).toBe(true);

    await setVersion(tasks[0], 0.5);
    const promoted = await fetchJson(`${server.url}/v1/models/detector/promote`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(promoted.versions).toEqual([{ version: tasks[0], role: 'primary', traffic: 1 }]);
    expect((await load(40, 4)).answers.every((a) => a.body.version === tasks[0])).toBe(true);
  });
});

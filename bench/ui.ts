/**
 * `npm run bench:ui`: API latency (wall ms over real HTTP on loopback, p50/p99) of the task list and
 * a study's views on a store of 2,000 tasks (one study of 1,998 trials), for the file and the Redis
 * store, and the time from navigation to the first drawn chart of the Study page in headless Chromium.
 * Task lists come from a snapshot at most --poll-ms (500) old, so most list requests do not read the
 * store; the `store.list()` line shows what a refresh costs. Goals: list p50 < 50 ms; the study page
 * drawn within 1 s. Quote the load average printed beside it. Page times come from the page's own
 * User Timing marks (navigation start to the first chart painted, and to every chart and the
 * leaderboard), not from polling it: a poll waits for a main thread busy drawing the next chart.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import seedrandom from 'seedrandom';
import type { TaskStore } from '../src/core/index.ts';
import { FileTaskStore } from '../src/store/index.ts';
import { openRedisStore } from '../src/store/redis/redis-store.ts';
import { buildUiApp } from '../src/ui/server.ts';
import { openArtifactStores, defaultArtifactSpec } from '../src/artifacts/index.ts';
import { addTrial, makeStudy, METRIC } from '../test/ui/study-fixture.ts';
import type { BrowserContext } from 'playwright-core';
import { launchChromium } from '../test/ui/browser.ts';
import { fmt, quantile } from './lib-stats.ts';

const TASKS = Number(process.env.BENCH_UI_TASKS ?? 2000);
const REPS = Number(process.env.BENCH_UI_REPS ?? 40);

async function fill(store: TaskStore): Promise<string> {
  const { controller, template } = await makeStudy(store, { completed: 10, pruned: 2 });
  const rng = seedrandom('bench-ui');
  const kinds = ['completed', 'completed', 'completed', 'pruned'] as const;
  for (let n = 12; n < TASKS - 2; n += 16) {
    await Promise.all(Array.from({ length: Math.min(16, TASKS - 2 - n) }, (_, i) => addTrial(store, controller.id, template.id, n + i, kinds[(n + i) % 4], rng)));
  }
  return controller.id;
}

async function time(url: string): Promise<number[]> {
  const samples: number[] = [];
  await (await fetch(url)).arrayBuffer(); // warm: the server caches final tasks' scalars
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now();
    const res = await fetch(url);
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    samples.push(performance.now() - t0);
  }
  return samples;
}

/** `served`: the UI server's own store object (a file store keeps parsed records between lists). */
async function benchStore(label: string, store: TaskStore, storeSpec: string, withBrowser: boolean, served: TaskStore = store): Promise<void> {
  const t0 = performance.now();
  const controllerId = await fill(store);
  process.stderr.write(`${label}: ${TASKS} tasks written in ${fmt((performance.now() - t0) / 1000)} s\n`);
  const cold: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    await store.list();
    cold.push(performance.now() - t);
  }
  process.stdout.write(`${label.padEnd(6)} ${'store.list() of every task (a snapshot refresh)'.padEnd(48)} p50 ${fmt(quantile(cold, 0.5)).padStart(7)} ms  p99 ${fmt(quantile(cold, 0.99)).padStart(7)} ms\n`);
  const artifacts = await openArtifactStores(defaultArtifactSpec(storeSpec));
  const app = buildUiApp({ store: served, storeSpec, artifacts });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const browser = withBrowser ? await launchChromium() : undefined;
  // Each open is a first visit (a fresh browser context, nothing cached) unless `context` is given.
  const open = async (context?: BrowserContext): Promise<[number, number, number]> => {
    const page = context ? await context.newPage() : await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${base}/#/study/${controllerId}`);
    await page.waitForFunction(() => performance.getEntriesByName('hpo:study-drawn').length > 0, null, { timeout: 300_000 });
    const marks = await page.evaluate(() => ['hpo:first-chart', 'hpo:study-drawn', 'hpo:first-screen'].map((n) => performance.getEntriesByName(n)[0].startTime));
    await page.close();
    return marks as [number, number, number];
  };
  if (browser) {
    // Before any API request: the server reads every record and every trial's scalars, and computes the views.
    const [first, all, screen] = await open();
    process.stdout.write(`${label.padEnd(6)} ${'Chromium, server just started: first chart'.padEnd(48)} ${fmt(first).padStart(11)} ms  first screen ${fmt(screen)} ms  every chart ${fmt(all)} ms\n`);
  }
  const metric = encodeURIComponent(`last:${METRIC}`);
  const cases: Array<[string, string]> = [
    ['list, 100 rows, default columns', `${base}/api/tasks?limit=100`],
    [`list, 100 rows sorted by last:${METRIC}`, `${base}/api/tasks?limit=100&columns=name,status,param:hyp/lr0,${metric}&sort=${metric}&order=desc`],
    ['list, all 2,000 rows + metric column', `${base}/api/tasks?limit=10000&columns=name,status,${metric}&sort=${metric}`],
    ['study leaderboard (hpo top --json)', `${base}/api/studies/${controllerId}/leaderboard`],
    ['study views (all charts + importance)', `${base}/api/studies/${controllerId}/views`],
  ];
  for (const [name, url] of cases) {
    const s = await time(url);
    process.stdout.write(`${label.padEnd(6)} ${name.padEnd(48)} p50 ${fmt(quantile(s, 0.5)).padStart(7)} ms  p99 ${fmt(quantile(s, 0.99)).padStart(7)} ms\n`);
  }
  if (browser) {
    const first: number[] = [];
    const all: number[] = [];
    const screen: number[] = [];
    for (let i = 0; i < 5; i++) {
      const [f, a, s] = await open();
      first.push(f);
      all.push(a);
      screen.push(s);
    }
    // A returning user: ECharts comes from the browser's cache (max-age), compiled code from V8's cache.
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    await open(context);
    const again: number[] = [];
    for (let i = 0; i < 5; i++) again.push((await open(context))[0]);
    await browser.close();
    process.stdout.write(`${label.padEnd(6)} ${'Chromium, first visit: first study chart'.padEnd(48)} p50 ${fmt(quantile(first, 0.5)).padStart(7)} ms  max ${fmt(Math.max(...first)).padStart(7)} ms\n`);
    process.stdout.write(`${label.padEnd(6)} ${'Chromium, first visit: first screen of charts'.padEnd(48)} p50 ${fmt(quantile(screen, 0.5)).padStart(7)} ms  max ${fmt(Math.max(...screen)).padStart(7)} ms\n`);
    process.stdout.write(`${label.padEnd(6)} ${'Chromium, first visit: every chart + leaderboard'.padEnd(48)} p50 ${fmt(quantile(all, 0.5)).padStart(7)} ms  max ${fmt(Math.max(...all)).padStart(7)} ms\n`);
    process.stdout.write(`${label.padEnd(6)} ${'Chromium, visit again: first study chart'.padEnd(48)} p50 ${fmt(quantile(again, 0.5)).padStart(7)} ms  max ${fmt(Math.max(...again)).padStart(7)} ms\n`);
  }
  await app.close();
  await artifacts.close();
}

async function main(): Promise<void> {
  process.stdout.write(`bench:ui on ${TASKS} tasks, ${REPS} requests per case; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  const root = mkdtempSync(path.join(os.tmpdir(), 'hpo-bench-ui-'));
  const file = new FileTaskStore({ root });
  try {
    await benchStore('file', file, root, true, new FileTaskStore({ root }));
  } finally {
    await file.close();
    rmSync(root, { recursive: true, force: true });
  }
  const prefix = `bench-ui-${randomUUID()}:`;
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = await openRedisStore(redisUrl, { prefix });
  try {
    await benchStore('redis', redis, redisUrl, false); // the page is the same; its time is the API's plus drawing
  } finally {
    // drop this run's keys
    const { Redis } = await import('ioredis');
    const r = new Redis(redisUrl);
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
    await r.quit();
    await redis.close();
  }
  process.stdout.write(`load average after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
}

await main();

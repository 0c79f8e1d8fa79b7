import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { FileTaskStore } from '../../src/store/index.ts';
import { bullPrefix } from '../../src/exec/queue/queue-keys.ts';
import { ArtifactStores, FolderArtifactStore } from '../../src/artifacts/index.ts';
import { buildUiApp } from '../../src/ui/server.ts';
import { tempDir } from '../store/helpers.ts';
import { chartSeries, curveLengths, launchChromium, pageErrors, waitForChart } from './browser.ts';
import { addTrial, LATENCY, makeStudy, METRIC } from './study-fixture.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SHOTS = process.env.HPO_UI_SHOTS; // a folder to save screenshots in (not committed)

let browser: Browser;
let store: FileTaskStore;
let root: string;
let app: FastifyInstance;
let base: string;
let ids: Awaited<ReturnType<typeof makeStudy>>;
const prefix = `test-${randomUUID()}`;

beforeAll(async () => {
  root = tempDir('hpo-ui-browser-');
  store = new FileTaskStore({ root });
  ids = await makeStudy(store, { completed: 7, pruned: 3, running: 1 });
  // A hostile name: the page must show it as text.
  await store.update(ids.trials[0].id, { name: '<img src=x onerror="window.__xss=1">' });
  app = buildUiApp({ store, storeSpec: root, artifacts: new ArtifactStores(new FolderArtifactStore(`${root}/artifacts`)), redisUrl: REDIS_URL, queuePrefix: prefix, pollMs: 200 });
  base = (await app.listen({ host: '127.0.0.1', port: 0 })) + '/';
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await store?.close();
});

// Generous: the shared 2-core machine can be many times oversubscribed; these catch hangs, not slowness.
describe('hpo ui in headless Chromium', { timeout: 240_000 }, () => {
  it('sorts the task table by a metric column', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors = pageErrors(page);
    const col = `last:${METRIC}`;
    await page.goto(`${base}#/tasks?parent=${ids.controller.id}&columns=name,status,${encodeURIComponent(col)}`);
    await page.waitForSelector('#task-table tbody tr');
    await page.click(`th[data-column="${col}"]`); // ascending
    await page.waitForSelector(`th[data-column="${col}"]:has-text("▲")`);
    await page.click(`th[data-column="${col}"]`); // descending
    await page.waitForSelector(`th[data-column="${col}"]:has-text("▼")`);
    const cells = await page.$$eval(`#task-table tbody td[data-column="${col}"]`, (tds) => tds.map((td) => td.textContent ?? ''));
    const numbers = cells.filter(Boolean).map(Number);
    expect(numbers.length).toBe(11);
    expect(numbers).toEqual([...numbers].sort((a, b) => b - a));
    const best = Math.max(...(await Promise.all(ids.trials.map(async (t) => (await store.getScalars(t.id))[METRIC].at(-1)!.value))));
    expect(numbers[0]).toBeCloseTo(best, 3);
    const names = await page.$$eval('#task-table tbody td[data-column="name"]', (tds) => tds.map((td) => td.textContent));
    expect(names).toContain('<img src=x onerror="window.__xss=1">');
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/tasks.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('draws the study page: history, parallel coordinates, importance, intermediate values, slices and timeline with the right points', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors = pageErrors(page);
    const viewsAsked: string[] = [];
    page.on('request', (r) => { if (r.url().includes('/views')) viewsAsked.push(new URL(r.url()).search); });
    await page.goto(`${base}#/study/${ids.controller.id}`);
    for (const c of ['history', 'parallel', 'importance', 'intermediate', 'slices', 'timeline']) await waitForChart(page, c);
    await page.waitForFunction(() => performance.getEntriesByName('hpo:study-drawn').length > 0);
    // bench:ui reads these User Timing marks, in this order
    const marks = await page.evaluate(() => performance.getEntriesByType('mark').map((m) => m.name).filter((n) => n.startsWith('hpo:')));
    expect(marks).toEqual(['hpo:first-chart', 'hpo:first-screen', 'hpo:study-drawn']);
    // The page's first script asks for the header and history (the page takes that answer), then the rest once.
    expect(viewsAsked).toEqual(['?parts=summary,history', '?parts=leaderboard,parallel,intermediate,slices,timeline,importance']);
    expect(await page.textContent('main p.muted')).toContain('· 11 trials');
    const history = await chartSeries(page, 'history');
    expect(history.map((s) => s.points)).toEqual([7, 7]); // each complete trial, and the best so far at each
    expect((await chartSeries(page, 'parallel'))[0].points).toBe(7);
    expect((await chartSeries(page, 'importance'))[0].points).toBe(3);
    // every trial's curve (7 complete, 3 pruned, 1 running), and the 3 pruned ones marked where they stopped
    expect(await chartSeries(page, 'intermediate')).toEqual([
      { name: 'trials', type: 'lines', points: 11, markPoints: 0 },
      { name: 'pruned', type: 'scatter', points: 3, markPoints: 0 },
    ]);
    expect(await curveLengths(page, 'intermediate')).toEqual([2, 2, 2, 2, 5, 5, 5, 5, 5, 5, 5]); // the running trial's one epoch drawn as a point-segment
    expect((await chartSeries(page, 'slices')).map((s) => s.points)).toEqual([7, 7, 7]);
    // one bar per started trial, a series per status
    expect((await chartSeries(page, 'timeline')).map((t) => [t.name, t.points]).sort()).toEqual([['completed', 7], ['pruned', 3], ['running', 1]]);
    // hovering a bar names its trial
    const bar = await page.evaluate(() => {
      const el = document.querySelector('[data-chart="timeline"]')!;
      el.scrollIntoView();
      const chart = (globalThis as unknown as { echarts: { getInstanceByDom(e: Element): { getOption(): { series: Array<{ data: Array<{ coords: number[][]; trial: number; status: string }> }> }; convertToPixel(f: object, v: number[]): number[] } } }).echarts.getInstanceByDom(el);
      const first = chart.getOption().series.flatMap((x) => x.data).reduce((x, y) => (y.coords[1][0] - y.coords[0][0] > x.coords[1][0] - x.coords[0][0] ? y : x)); // the longest bar (the running trial's)
      const [a, b] = first.coords;
      const [x, y] = chart.convertToPixel({ gridIndex: 0 }, [(a[0] + b[0]) / 2, a[1]]);
      const box = el.getBoundingClientRect();
      return { x: box.left + x, y: box.top + y, trial: first.trial, status: first.status };
    });
    await page.mouse.move(bar.x, bar.y);
    const tip = page.locator('[data-chart="timeline"] div', { hasText: /trial #\d+:/ });
    await tip.first().waitFor();
    expect(bar.status).toBe('running');
    expect(await tip.first().innerText()).toMatch(new RegExp(`^trial #${bar.trial}: running, \\d+ s$`));
    await page.waitForSelector('#leaderboard'); // drawn after the charts
    expect(await page.$$eval('#leaderboard tbody tr', (rows) => rows.length)).toBe(11);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/study.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a trial that reports while the page is open, without a reload', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}#/study/${ids.controller.id}`);
    await waitForChart(page, 'history');
    await page.waitForSelector('#live.on');
    const before = (await chartSeries(page, 'history'))[0].points;
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    await addTrial(store, ids.controller.id, ids.template.id, 100, 'completed');
    await page.waitForFunction((n) => {
      const el = document.querySelector('[data-chart="history"]');
      const chart = el && (globalThis as unknown as { echarts: { getInstanceByDom(e: Element): { getOption(): { series: Array<{ data: unknown[] }> } } } }).echarts.getInstanceByDom(el);
      return chart && chart.getOption().series[0].data.length === n;
    }, before + 1, { timeout: 90_000 });
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await page.close();
  });

  it('compares N tasks as N curves per scalar, and marks differing params', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors = pageErrors(page);
    const chosen = ids.trials.slice(1, 5).map((t) => t.id);
    await page.goto(`${base}#/compare?ids=${chosen.join(',')}`);
    await waitForChart(page, `compare:${METRIC}`);
    const series = await chartSeries(page, `compare:${METRIC}`);
    expect(series).toHaveLength(4);
    expect(series.every((s) => s.points === 5 || s.points === 2)).toBe(true);
    const differs = await page.$$eval('#param-diff tr.differs td:first-child', (tds) => tds.map((td) => td.textContent));
    expect(differs).toEqual(expect.arrayContaining(['hyp/lr0', 'hyp/momentum']));
    expect(differs).not.toContain('args/epochs');
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/compare.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('clones a task, edits a param in the form and enqueues it on a real BullMQ queue', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors = pageErrors(page);
    const queueName = `test-${randomUUID()}`;
    await page.goto(`${base}#/task/${ids.template.id}`);
    await page.waitForSelector('#clone-form');
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/task.png`, fullPage: true });
    // A wrong type is refused with the --set message, and nothing is created.
    await page.fill('#clone-form input[name="hyp/lr0"]', 'fast');
    await page.click('#clone-form button[type="submit"]');
    await page.waitForSelector('#clone-error:has-text("hyp/lr0 is a number")');
    expect(errors.splice(0)).toEqual(['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
    await page.fill('#clone-form input[name="hyp/lr0"]', '0.033');
    await page.fill('#clone-form input[name="name"]', 'edited in the ui');
    await page.selectOption('#clone-form select[name="then"]', 'enqueue');
    await page.fill('#clone-form input[name="queue"]', queueName);
    const before = location(page);
    await page.click('#clone-form button[type="submit"]');
    await page.waitForFunction((old) => window.location.hash !== old, await before);
    const newId = decodeURIComponent((await page.evaluate(() => window.location.hash)).replace('#/task/', ''));
    const task = await store.get(newId);
    expect(task).toMatchObject({ name: 'edited in the ui', status: 'queued', parent: ids.template.id });
    expect(task.params['hyp/lr0']).toBe(0.033);
    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue(queueName, { connection, prefix: bullPrefix(prefix) });
    try {
      const jobs = await queue.getJobs(['waiting', 'prioritized']);
      expect(jobs.map((j) => j.id)).toEqual([expect.stringContaining(newId)]);
      expect(jobs[0].data).toMatchObject({ taskId: newId });
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
      await connection.quit();
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it('draws the Pareto front of a two-objective study, and a long leaderboard 100 rows at a time', async () => {
    const mo = await makeStudy(store, { completed: 125, pruned: 5, latency: true, seed: 'pareto' });
    // Written straight to the store: the server's task snapshot shows them once its background refresh has run.
    type Board = { pareto: string[]; rows: Array<{ taskId: string; values?: number[]; front?: number }> };
    let board: Board;
    for (let attempt = 0; ; attempt++) {
      board = await (await fetch(`${base}api/studies/${mo.controller.id}/leaderboard`)).json() as Board;
      if (board.rows.length === 130 || attempt === 50) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const complete = board.rows.filter((r) => r.values);
    expect(complete).toHaveLength(125);
    expect(board.pareto.length).toBeGreaterThan(1);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors = pageErrors(page);
    await page.goto(`${base}#/study/${mo.controller.id}`);
    await waitForChart(page, 'pareto');
    // the front apart from the dominated trials, every complete trial once
    expect(await chartSeries(page, 'pareto')).toEqual([
      { name: 'Pareto front', type: 'scatter', points: board.pareto.length, markPoints: 0 },
      { name: 'dominated', type: 'scatter', points: 125 - board.pareto.length, markPoints: 0 },
    ]);
    // hyp/mixup's choices are numbers on a category axis: each trial sits on its choice (not read as an index)
    const placed = await page.evaluate(() => {
      const chart = (globalThis as any).echarts.getInstanceByDom(document.querySelector('[data-chart="parallel"]'));
      const option = chart.getOption();
      const axis = option.parallelAxis.findIndex((a: { name: string }) => a.name === 'hyp/mixup');
      return { categories: option.parallelAxis[axis].data, values: option.series[0].data.map((row: unknown[]) => row[axis]) };
    });
    expect(placed.categories).toEqual(['0', '0.1', '0.2']);
    expect(new Set(placed.values)).toEqual(new Set(['0', '0.1', '0.2']));
    await page.waitForSelector('#leaderboard');
    const headers = await page.$$eval('#leaderboard th', (ths) => ths.map((th) => th.textContent));
    expect(headers.slice(3, 6)).toEqual([METRIC, LATENCY, 'front']);
    expect(headers.at(-1)).toBe('hyp/mixup');
    expect(await page.$$eval('#leaderboard tbody tr', (rows) => rows.length)).toBe(100);
    expect(await page.$$eval('#leaderboard tbody tr.pareto', (rows) => rows.length)).toBe(board.pareto.length);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/pareto.png`, fullPage: true });
    await page.click('#leaderboard-all');
    await page.waitForFunction(() => document.querySelectorAll('#leaderboard tbody tr').length === 130);
    expect(await page.$('#leaderboard-all')).toBeNull();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a token-protected server refuses a request without the token', async () => {
    const locked = buildUiApp({ store, storeSpec: root, artifacts: new ArtifactStores(new FolderArtifactStore(`${root}/artifacts`)), token: 'tok-' + randomUUID() });
    const url = (await locked.listen({ host: '127.0.0.1', port: 0 })) + '/';
    try {
      const page = await browser.newPage();
      const response = await page.goto(`${url}api/tasks`);
      expect(response?.status()).toBe(401);
      expect(await page.textContent('body')).toContain('Missing or wrong token');
      await page.goto(url);
      await page.waitForSelector('.error');
      expect(await page.textContent('.error')).toContain('Missing or wrong token');
      await page.close();
    } finally {
      await locked.close();
    }
  });
});

function location(page: import('playwright-core').Page): Promise<string> {
  return page.evaluate(() => window.location.hash);
}

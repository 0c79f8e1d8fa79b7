import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileTaskStore } from '../../src/store/index.ts';
import { tempDir } from '../store/helpers.ts';
import { BIN } from '../helpers/temp.ts';
import { chartSeries, curveLengths, launchChromium, pageErrors, waitForChart } from './browser.ts';
import { makeStudy, METRIC } from './study-fixture.ts';

const SHOTS = process.env.HPO_UI_SHOTS;
let browser: Browser;
let root: string;
let ids: Awaited<ReturnType<typeof makeStudy>>;

beforeAll(async () => {
  root = tempDir('hpo-report-');
  const store = new FileTaskStore({ root });
  ids = await makeStudy(store, { completed: 6, pruned: 2 });
  await store.close();
  browser = await launchChromium();
});
afterAll(async () => browser?.close());

/** Runs the real CLI: `hpo --store <root> report <id> --out <file>`. */
function report(id: string, out: string): string {
  const run = spawnSync(process.execPath, [BIN, '--store', root, 'report', id, '--out', out], { encoding: 'utf8', timeout: 60_000 });
  expect(run.stderr).toContain('report of');
  expect(run.status).toBe(0);
  return run.stdout.trim();
}

describe('hpo report', { timeout: 240_000 }, () => {
  it('writes one HTML file that draws the study charts from file:// with the network off', async () => {
    const file = report(ids.controller.id, path.join(root, 'study.html'));
    expect(file).toBe(path.join(root, 'study.html'));
    const html = readFileSync(file, 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=/); // nothing to fetch
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors = pageErrors(page);
    const requested: string[] = [];
    await page.route('**/*', (route) => {
      if (!route.request().url().startsWith('file://')) requested.push(route.request().url());
      return route.request().url() === pathToFileURL(file).href ? route.continue() : route.abort();
    });
    await page.goto(pathToFileURL(file).href);
    for (const c of ['history', 'parallel', 'importance', 'intermediate', 'slices', 'timeline']) await waitForChart(page, c);
    expect((await chartSeries(page, 'history')).map((s) => s.points)).toEqual([6, 6]);
    expect((await chartSeries(page, 'parallel'))[0].points).toBe(6);
    expect((await chartSeries(page, 'intermediate')).map((s) => s.points)).toEqual([8, 2]); // curves, pruned marks
    expect(await curveLengths(page, 'intermediate')).toEqual([2, 2, 5, 5, 5, 5, 5, 5]);
    expect((await chartSeries(page, 'slices')).map((s) => s.points)).toEqual([6, 6, 6]);
    expect((await chartSeries(page, 'timeline')).reduce((n, s) => n + s.points, 0)).toBe(8); // a series per status
    expect(await page.$$eval('#leaderboard tbody tr', (rows) => rows.length)).toBe(8);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/report-study.png`, fullPage: true });
    expect(requested.filter((u) => !u.startsWith('data:'))).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("writes a task's page with its scalar charts", async () => {
    const file = report(ids.trials[0].id, path.join(root, 'task.html'));
    const page = await browser.newPage();
    const errors = pageErrors(page);
    await page.route('**/*', (route) => (route.request().url().startsWith('file://') || route.request().url().startsWith('data:') ? route.continue() : route.abort()));
    await page.goto(pathToFileURL(file).href);
    await waitForChart(page, 'scalars:metrics');
    expect(await chartSeries(page, 'scalars:metrics')).toEqual([{ name: METRIC, type: 'line', points: 5, markPoints: 0 }]);
    expect(await page.$('#clone-form')).toBeNull(); // no actions in a file
    expect(errors).toEqual([]);
    await page.close();
  });

  it('names the problem when the id is unknown', () => {
    const run = spawnSync(process.execPath, [BIN, '--store', root, 'report', 'nope'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('Task "nope" not found');
  });
});

import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium with the flags this closed network needs (without the networking ones it refuses connections). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Series of the chart named `name` on the page, read from its ECharts instance: [series name, point count]. */
export function chartSeries(page: Page, name: string): Promise<Array<{ name: string; type: string; points: number; markPoints: number }>> {
  return page.evaluate((chartName) => {
    const el = document.querySelector(`[data-chart="${CSS.escape(chartName)}"]`);
    const chart = el && (globalThis as unknown as { echarts: { getInstanceByDom(e: Element): { getOption(): { series: Array<{ name: string; type: string; data: unknown[]; markPoint?: { data: unknown[] } }> } } | undefined } }).echarts.getInstanceByDom(el);
    if (!chart) return [];
    return chart.getOption().series.map((s: { name: string; type: string; data: unknown[]; markPoint?: { data: unknown[] } }) => ({ name: s.name, type: s.type, points: s.data.length, markPoints: s.markPoint?.data?.length ?? 0 }));
  }, name);
}

/** Points per curve of a chart's first (polyline `lines`) series, sorted. */
export function curveLengths(page: Page, name: string): Promise<number[]> {
  return page.evaluate((chartName) => {
    const el = document.querySelector(`[data-chart="${CSS.escape(chartName)}"]`)!;
    const chart = (globalThis as unknown as { echarts: { getInstanceByDom(e: Element): { getOption(): { series: Array<{ data: Array<{ coords: unknown[] }> }> } } } }).echarts.getInstanceByDom(el);
    return chart.getOption().series[0].data.map((d) => d.coords.length).sort((a, b) => a - b);
  }, name);
}

/** Waits until the chart named `name` exists and has drawn (its series are set). */
export async function waitForChart(page: Page, name: string, timeout = 90_000): Promise<void> {
  await page.waitForFunction((chartName) => {
    const el = document.querySelector(`[data-chart="${CSS.escape(chartName)}"]`);
    const chart = el && (globalThis as unknown as { echarts?: { getInstanceByDom(e: Element): { getOption(): { series?: unknown[] } } | undefined } }).echarts?.getInstanceByDom(el);
    return !!chart && Array.isArray(chart.getOption().series);
  }, name, { timeout });
}

/** Collects page errors so a test can assert the page ran clean. */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  return errors;
}

// Browser globals for the callbacks that run in the page (a DOM lib would retype Node's fetch for every file).
declare global {
  // eslint-disable-next-line no-var
  var document: any, CSS: any, window: any;
  type Element = any;
}

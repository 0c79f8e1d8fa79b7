// ECharts (a classic script, window.echarts) behind one helper, so pages and tests find charts by name.

/**
 * Resolves once ECharts has run. `hpo ui` loads it async (1 MB of script would otherwise hold back
 * the page's modules and its first API request); a report inlines it, so it is there already.
 */
export const chartsReady = typeof globalThis.echarts?.init === 'function'
  ? Promise.resolve()
  : new Promise((resolve, reject) => {
    const script = document.getElementById('echarts-script');
    script.addEventListener('load', resolve);
    script.addEventListener('error', () => reject(new Error('ECharts did not load: reload the page.')));
  });

/** Resolves after the browser has had a frame to paint what was drawn so far (or 50 ms in a hidden tab). */
export function nextPaint() {
  return new Promise((resolve) => {
    requestAnimationFrame(() => setTimeout(resolve, 0));
    setTimeout(resolve, 50);
  });
}

/** Draws `option` into `el` (creating or replacing the chart) and tags it data-chart=name. */
export function drawChart(el, name, option) {
  el.dataset.chart = name;
  el.classList.add('chart');
  const chart = echarts.getInstanceByDom(el) ?? echarts.init(el, null, { renderer: 'canvas' });
  chart.setOption({ animation: false, textStyle: { fontFamily: 'system-ui, sans-serif' }, ...option }, { notMerge: true });
  return chart;
}

const resize = () => document.querySelectorAll('.chart').forEach((el) => echarts.getInstanceByDom(el)?.resize());
let resizeTimer;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(resize, 100);
});

export const grid = { left: 60, right: 20, top: 40, bottom: 40 };

// ECharts (a classic script, window.echarts) behind one helper, so pages and tests find charts by name.

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

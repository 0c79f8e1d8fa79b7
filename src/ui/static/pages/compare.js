// Compare 2-10 tasks: every scalar as one chart with a curve per task, and a param table that marks differences.
import { getJson } from 'hpo/api.js';
import { chartsReady, drawChart, grid } from 'hpo/charts.js';
import { formatValue, h } from 'hpo/dom.js';

export async function comparePage(main, query) {
  const ids = (query.get('ids') ?? '').split(',').filter(Boolean);
  if (ids.length < 2 || ids.length > 10) {
    main.append(h('p', { class: 'error' }, `Compare needs 2 to 10 task ids, got ${ids.length}: select them on the Tasks page.`));
    return;
  }
  const [tasks] = await Promise.all([Promise.all(ids.map((id) => getJson(`/api/tasks/${encodeURIComponent(id)}`))), chartsReady]);
  // Ids share a time-ordered prefix: their tail tells them apart.
  const label = (t) => `${t.name} (…${t.id.slice(-6)})`;
  const names = [...new Set(tasks.flatMap((t) => Object.keys(t.scalars)))].sort();
  const charts = h('section', { class: 'charts' });
  main.append(h('h1', {}, `Compare ${tasks.length} tasks`), h('h2', {}, 'Scalars'), charts, h('h2', {}, 'Params'), paramDiff(tasks, label));
  for (const name of names) {
    const el = h('div', { class: 'chart-box' });
    charts.append(h('div', { class: 'chart-card' }, h('h3', {}, name), el));
    drawChart(el, `compare:${name}`, {
      tooltip: { trigger: 'axis' }, legend: { type: 'scroll', top: 0 }, grid,
      xAxis: { type: 'value', name: 'epoch', minInterval: 1 }, yAxis: { type: 'value', scale: true },
      series: tasks.filter((t) => t.scalars[name]).map((t) => ({ name: label(t), type: 'line', showSymbol: false, data: t.scalars[name].map((p) => [p.step, p.value]) })),
    });
  }
}

function paramDiff(tasks, label) {
  const keys = [...new Set(tasks.flatMap((t) => Object.keys(t.params)))].sort();
  const onlyDiff = h('input', { type: 'checkbox', onchange: () => table.classList.toggle('only-diff', onlyDiff.checked) });
  const table = h('table', { class: 'grid diff', id: 'param-diff' },
    h('thead', {}, h('tr', {}, h('th', {}, 'param'), tasks.map((t) => h('th', {}, h('a', { href: `#/task/${t.id}` }, label(t)))))),
    h('tbody', {}, keys.map((k) => {
      const values = tasks.map((t) => (k in t.params ? formatValue(t.params[k]) : '—'));
      const differs = new Set(values).size > 1;
      return h('tr', { class: differs ? 'differs' : 'same' }, h('td', { class: 'mono' }, k), values.map((v) => h('td', { class: 'num' }, v)));
    })));
  return h('div', {}, h('label', {}, onlyDiff, ' only differences'), table);
}

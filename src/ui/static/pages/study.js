// A study: leaderboard, optimization history, parallel coordinates, importance, intermediate values, slices, timeline. Live.
import { getJson, isReport, onTaskEvents, postJson } from 'hpo/api.js';
import { drawChart, grid } from 'hpo/charts.js';
import { debounce, formatDuration, formatValue, h, statusBadge } from 'hpo/dom.js';

const CHARTS = ['history', 'parallel', 'importance', 'intermediate', 'slices', 'timeline'];

export async function studyPage(main, id) {
  const path = `/api/studies/${encodeURIComponent(id)}/views`;
  const header = h('section');
  const boxes = Object.fromEntries(CHARTS.map((c) => [c, h('div', { class: `chart-box ${c === 'slices' || c === 'parallel' ? 'wide' : ''}` })]));
  const titles = { history: 'Optimization history', parallel: 'Parallel coordinates (drag on an axis to brush)', importance: 'Hyperparameter importance (PED-ANOVA)', intermediate: 'Intermediate values (red ▲ = pruned there)', slices: 'Slices', timeline: 'Timeline' };
  const board = h('div', { class: 'scroll' });
  main.append(header, h('section', { class: 'charts' }, CHARTS.map((c) => h('div', { class: `chart-card ${c === 'slices' || c === 'parallel' ? 'wide' : ''}` }, h('h3', {}, titles[c]), boxes[c]))), h('h2', {}, 'Leaderboard'), board);
  const draw = async () => {
    const views = await getJson(path);
    const lb = views.leaderboard;
    header.replaceChildren(
      h('h1', {}, lb.name, ' ', statusBadge(lb.status)),
      h('p', { class: 'muted' }, `${lb.controllerId} · ${lb.direction} ${lb.metric} · ${lb.rows.length} trials`,
        isReport ? '' : [' · ', h('a', { href: `#/task/${lb.controllerId}` }, 'controller task')]),
      !isReport && !['completed', 'failed', 'stopped'].includes(lb.status)
        ? h('button', { class: 'danger', onclick: (e) => {
          e.target.disabled = true;
          postJson(`/api/tasks/${lb.controllerId}/stop`, { reason: 'study stopped from the UI' }).catch((err) => alert(err.message));
        } }, 'Stop study')
        : '');
    board.replaceChildren(leaderboardTable(lb));
    drawHistory(boxes.history, views, lb);
    drawParallel(boxes.parallel, views);
    drawImportance(boxes.importance, views);
    drawIntermediate(boxes.intermediate, views, lb);
    drawSlices(boxes.slices, views, lb);
    drawTimeline(boxes.timeline, views);
  };
  await draw();
  return onTaskEvents(debounce((events) => {
    if (events.some((e) => e.parent === id || e.id === id)) draw().catch(() => {});
  }, 300));
}

function leaderboardTable(lb) {
  return h('table', { class: 'grid', id: 'leaderboard' },
    h('thead', {}, h('tr', {}, ['#', 'trial', 'status', lb.metric, 'epochs', 'duration', ...lb.searched].map((c) => h('th', {}, c)))),
    h('tbody', {}, lb.rows.map((r) => h('tr', {},
      h('td', { class: 'num' }, r.rank), h('td', { class: 'mono' }, isReport ? r.taskId : h('a', { href: `#/task/${r.taskId}` }, r.taskId)),
      h('td', {}, statusBadge(r.status)), h('td', { class: 'num' }, formatValue(r.objective)), h('td', { class: 'num' }, r.epochs),
      h('td', {}, formatDuration(r.durationMs)), lb.searched.map((p) => h('td', { class: 'num' }, formatValue(r.params[p])))))));
}

function drawHistory(el, views, lb) {
  drawChart(el, 'history', {
    tooltip: { trigger: 'item' }, legend: { top: 0 }, grid,
    xAxis: { type: 'value', name: 'trial', minInterval: 1 }, yAxis: { type: 'value', name: lb.metric, scale: true },
    series: [
      { name: 'trial', type: 'scatter', symbolSize: 7, data: views.history.map((p) => [p.number, p.value]) },
      { name: 'best so far', type: 'line', step: 'end', showSymbol: false, data: views.history.map((p) => [p.number, p.best]) },
    ],
  });
}

function axisFor(axis, i) {
  const d = axis.dimension;
  if (d.type === 'categorical') return { dim: i, name: axis.name, type: 'category', data: d.choices.map(String) };
  if (d.type === 'objective') return { dim: i, name: axis.name, type: 'value', scale: true, nameTextStyle: { fontWeight: 'bold' } };
  return { dim: i, name: axis.name, type: d.log ? 'log' : 'value', min: d.low, max: d.high };
}

function drawParallel(el, views) {
  const { axes, rows } = views.parallel;
  const objective = rows.map((r) => r.values.at(-1));
  drawChart(el, 'parallel', {
    parallelAxis: axes.map(axisFor),
    parallel: { left: 60, right: 80, top: 50, bottom: 30 },
    visualMap: objective.length ? { show: true, dimension: axes.length - 1, min: Math.min(...objective), max: Math.max(...objective), right: 0, top: 'center', calculable: true, inRange: { color: ['#d94e5d', '#eac736', '#50a3ba'].reverse() } } : undefined,
    series: [{ name: 'trials', type: 'parallel', lineStyle: { width: 1.5, opacity: 0.6 }, data: rows.map((r) => r.values.map((v) => (typeof v === 'boolean' ? String(v) : v))) }],
  });
}

function drawImportance(el, views) {
  const list = [...(views.importance ?? [])].reverse();
  drawChart(el, 'importance', {
    tooltip: { trigger: 'axis' }, grid: { ...grid, left: 110 },
    title: views.importance ? undefined : { text: 'needs 4 complete trials', left: 'center', top: 'middle', textStyle: { color: '#888', fontSize: 13 } },
    xAxis: { type: 'value', max: 1, name: 'share' }, yAxis: { type: 'category', data: list.map((r) => r.param) },
    series: [{ name: 'importance', type: 'bar', data: list.map((r) => r.importance) }],
  });
}

const PALETTE = ['#5470c6', '#91cc75', '#fac858', '#ee6666', '#73c0de', '#3ba272', '#fc8452', '#9a60b4', '#ea7ccc'];

/** One polyline series for every trial (thousands of curves stay fast) and one scatter of pruned trials' last points. */
function drawIntermediate(el, views, lb) {
  const trials = views.intermediate.filter((t) => t.points.length);
  const ys = trials.flatMap((t) => t.points.map((p) => p[1])).filter(Number.isFinite);
  const pad = ys.length ? (Math.max(...ys) - Math.min(...ys)) * 0.05 || 0.01 : 0;
  drawChart(el, 'intermediate', {
    tooltip: { trigger: 'item' }, grid,
    xAxis: { type: 'value', name: 'epoch', minInterval: 1, min: 0, max: Math.max(1, ...trials.flatMap((t) => t.points.map((p) => p[0]))) },
    yAxis: { type: 'value', name: lb.metric, min: ys.length ? +(Math.min(...ys) - pad).toPrecision(3) : 0, max: ys.length ? +(Math.max(...ys) + pad).toPrecision(3) : 1 },
    series: [
      { name: 'trials', type: 'lines', coordinateSystem: 'cartesian2d', polyline: true, lineStyle: { width: 1.2 },
        // a one-epoch curve is drawn as a zero-length segment (a polyline needs two points)
        data: trials.map((t, i) => ({ name: `#${t.number}`, coords: t.points.length === 1 ? [t.points[0], t.points[0]] : t.points, lineStyle: { color: PALETTE[i % PALETTE.length], opacity: t.state === 'pruned' ? 0.45 : 0.9 } })) },
      { name: 'pruned', type: 'scatter', symbol: 'triangle', symbolSize: 10, itemStyle: { color: '#dc2626' },
        data: trials.filter((t) => t.prunedAt !== undefined).map((t) => ({ name: `#${t.number} pruned`, value: t.points.at(-1) })) },
    ],
  });
}

function drawSlices(el, views, lb) {
  const n = views.slices.length || 1;
  const width = 100 / n;
  drawChart(el, 'slices', {
    tooltip: { trigger: 'item' },
    title: views.slices.map((s, i) => ({ text: s.param, left: `${i * width + width / 2}%`, textAlign: 'center', top: 0, textStyle: { fontSize: 12 } })),
    grid: views.slices.map((_, i) => ({ left: `${i * width + 4}%`, width: `${width - 7}%`, top: 35, bottom: 30 })),
    xAxis: views.slices.map((s, i) => (s.dimension.type === 'categorical'
      ? { gridIndex: i, type: 'category', data: s.dimension.choices.map(String) }
      : { gridIndex: i, type: s.dimension.log ? 'log' : 'value', min: s.dimension.low, max: s.dimension.high })),
    yAxis: views.slices.map((_, i) => ({ gridIndex: i, type: 'value', scale: true, name: i === 0 ? lb.metric : '' })),
    series: views.slices.map((s, i) => ({ name: s.param, type: 'scatter', xAxisIndex: i, yAxisIndex: i, symbolSize: 6, data: s.points.map(([x, y]) => [typeof x === 'boolean' ? String(x) : x, y]) })),
  });
}

function drawTimeline(el, views) {
  const lanes = [...new Set(views.timeline.map((t) => `${t.agent} · slot ${t.lane}`))].sort();
  const colors = { completed: '#3ba272', pruned: '#fac858', failed: '#ee6666', stopped: '#999', running: '#5470c6', queued: '#91cc75' };
  drawChart(el, 'timeline', {
    tooltip: { trigger: 'item', formatter: (p) => `trial #${p.value[3]}: ${p.value[4]}, ${Math.round((p.value[2] - p.value[1]) / 1000)} s` },
    grid: { ...grid, left: 130 },
    xAxis: { type: 'time', axisLabel: { hideOverlap: true, formatter: '{HH}:{mm}:{ss}' } }, yAxis: { type: 'category', data: lanes },
    series: [{
      name: 'trials', type: 'custom', encode: { x: [1, 2], y: 0 },
      data: views.timeline.map((t) => ({ value: [lanes.indexOf(`${t.agent} · slot ${t.lane}`), t.start, t.end, t.number, t.status], itemStyle: { color: colors[t.status] ?? '#888' } })),
      renderItem: (params, api) => {
        const start = api.coord([api.value(1), api.value(0)]);
        const end = api.coord([api.value(2), api.value(0)]);
        const height = api.size([0, 1])[1] * 0.6;
        return { type: 'rect', shape: { x: start[0], y: start[1] - height / 2, width: Math.max(2, end[0] - start[0]), height }, style: api.style() };
      },
    }],
  });
}

// A study: leaderboard, optimization history, Pareto front (several objectives), parallel coordinates,
// importance, intermediate values, slices, timeline. Live.
import { getJson, isReport, onTaskEvents, postJson } from 'hpo/api.js';
import { chartsReady, drawChart, grid, nextPaint } from 'hpo/charts.js';
import { debounce, formatDuration, formatValue, h, statusBadge } from 'hpo/dom.js';

const TITLES = {
  history: 'Optimization history', pareto: 'Pareto front', parallel: 'Parallel coordinates (drag on an axis to brush)',
  importance: 'Hyperparameter importance (PED-ANOVA)', intermediate: 'Intermediate values (red ▲ = pruned there)', slices: 'Slices', timeline: 'Timeline',
};
const WIDE = new Set(['parallel', 'slices']);
/** Scatters of many points drawn as one path instead of one element per point (hover still works). */
const LARGE = { large: true, largeThreshold: 500 };
/** Leaderboard rows drawn at first; the rest on request (thousands of rows cost more than every chart). */
const ROWS_SHOWN = 100;
/** What a first visit asks for first (the header and the first chart), then the rest; server.ts's early request asks for FIRST_PARTS too. */
const FIRST_PARTS = 'summary,history';
const REST_PARTS = 'leaderboard,parallel,intermediate,slices,timeline,importance';

export async function studyPage(main, id) {
  const path = `/api/studies/${encodeURIComponent(id)}/views`;
  const header = h('section');
  const chartsSection = h('section', { class: 'charts' });
  const board = h('div', { class: 'scroll' });
  main.append(header, chartsSection, h('h2', {}, 'Leaderboard'), board);
  const boxes = {};
  const boxFor = (name) => {
    if (!boxes[name]) {
      boxes[name] = h('div', { class: `chart-box ${WIDE.has(name) ? 'wide' : ''}` });
      chartsSection.append(h('div', { class: `chart-card ${WIDE.has(name) ? 'wide' : ''}` }, h('h3', {}, TITLES[name]), boxes[name]));
    }
    return boxes[name];
  };
  let showAll = false;
  let drawnOnce = false;
  const draw = async () => {
    // A first visit asks for the header and the history alone (a tenth of the answer), and for the
    // rest once the first chart is drawn: receiving and parsing 1.4 MB beside ECharts' parse and
    // first chart held the first chart back by 0.2-0.5 s on 2 cores. Live redraws ask for everything at once.
    const split = !drawnOnce;
    const headAnswer = getJson(split ? `${path}?parts=${FIRST_PARTS}` : path);
    const [head] = await Promise.all([headAnswer, chartsReady]);
    const s = head.summary;
    const several = s.objectives.length > 1;
    header.replaceChildren(
      h('h1', {}, s.name, ' ', statusBadge(s.status)),
      h('p', { class: 'muted' }, `${s.controllerId} · ${s.objectives.map((o) => `${o.direction} ${o.metric}`).join(', ')} · ${s.trials} trials`,
        several ? ` · Pareto front of ${s.pareto?.length ?? 0}` : '',
        isReport ? '' : [' · ', h('a', { href: `#/task/${s.controllerId}` }, 'controller task')]),
      !isReport && !['completed', 'failed', 'stopped'].includes(s.status)
        ? h('button', { class: 'danger', onclick: (e) => {
          e.target.disabled = true;
          postJson(`/api/tasks/${s.controllerId}/stop`, { reason: 'study stopped from the UI' }).catch((err) => alert(err.message));
        } }, 'Stop study')
        : '');
    // In this order, with the grid filling holes (style.css), the first screen holds history beside importance (or the Pareto front), then parallel coordinates.
    ['history', ...(several ? ['pareto'] : []), 'importance', 'parallel', 'intermediate', 'timeline', 'slices'].forEach(boxFor);
    drawHistory(boxes.history, head, s);
    await nextPaint();
    markOnce('hpo:first-chart');
    const restAnswer = split ? getJson(`${path}?parts=${REST_PARTS}`) : headAnswer;
    markFirstScreen(boxes);
    const views = { ...head, ...(await restAnswer) };
    const lb = views.leaderboard;
    // One chart per frame: what is drawn is on screen while the rest are drawn.
    const steps = [
      ...(several ? [() => drawPareto(boxes.pareto, lb)] : []),
      () => drawImportance(boxes.importance, views),
      () => drawParallel(boxes.parallel, views),
      () => drawIntermediate(boxes.intermediate, views, lb),
      () => drawTimeline(boxes.timeline, views),
      () => drawSlices(boxes.slices, views, lb),
      () => board.replaceChildren(leaderboardTable(lb, showAll, () => { showAll = true; board.replaceChildren(leaderboardTable(lb, true)); })),
    ];
    for (const step of steps) {
      step();
      await nextPaint();
      markFirstScreen(boxes);
    }
    markOnce('hpo:study-drawn');
    drawnOnce = true;
  };
  // One draw at a time; changes seen during a draw start one more after it (a busy study never starves the page).
  let drawn = null;
  let again = false;
  const redraw = () => {
    if (drawn) {
      again = true;
      return drawn;
    }
    drawn = draw().finally(() => {
      drawn = null;
      if (again) {
        again = false;
        redraw().catch(() => {});
      }
    });
    return drawn;
  };
  await redraw();
  return onTaskEvents(debounce((events) => {
    if (events.some((e) => e.parent === id || e.id === id)) redraw().catch(() => {});
  }, 300));
}

/** User Timing marks of the first load (DevTools shows them; bench:ui reads them): times from navigation start. */
function markOnce(name) {
  if (!performance.getEntriesByName(name).length) performance.mark(name);
}

/** `hpo:first-screen` once every chart the first screen shows (without scrolling) is drawn. */
function markFirstScreen(boxes) {
  if (performance.getEntriesByName('hpo:first-screen').length) return;
  const onScreen = Object.values(boxes).filter((box) => box.getBoundingClientRect().top < innerHeight);
  if (onScreen.every((box) => box.dataset.chart)) markOnce('hpo:first-screen');
}

function leaderboardTable(lb, all, onShowAll) {
  const several = lb.objectives.length > 1;
  const objectiveColumns = several ? [...lb.objectives.map((o) => o.metric), 'front'] : [lb.metric];
  const rows = all ? lb.rows : lb.rows.slice(0, ROWS_SHOWN);
  const table = h('table', { class: 'grid', id: 'leaderboard' },
    h('thead', {}, h('tr', {}, ['#', 'trial', 'status', ...objectiveColumns, 'epochs', 'duration', ...lb.searched].map((c) => h('th', {}, c)))),
    h('tbody', {}, rows.map((r) => h('tr', { class: several && r.front === 0 ? 'pareto' : undefined },
      h('td', { class: 'num' }, r.rank), h('td', { class: 'mono' }, isReport ? r.taskId : h('a', { href: `#/task/${r.taskId}` }, r.taskId)),
      h('td', {}, statusBadge(r.status)),
      several
        ? [...lb.objectives.map((_, k) => h('td', { class: 'num' }, formatValue(r.values?.[k]))), h('td', { class: 'num' }, r.front ?? '')]
        : h('td', { class: 'num' }, formatValue(r.objective)),
      h('td', { class: 'num' }, r.epochs),
      h('td', {}, formatDuration(r.durationMs)), lb.searched.map((p) => h('td', { class: 'num' }, formatValue(r.params[p])))))));
  if (rows.length === lb.rows.length) return table;
  return h('div', {}, table, h('button', { id: 'leaderboard-all', onclick: onShowAll }, `Show all ${lb.rows.length} trials`));
}

/** Several objectives: every complete trial in objective space, the front (rank 0) apart; one panel per pair of objectives. */
function drawPareto(el, lb) {
  const k = lb.objectives.length;
  const pairs = [];
  for (let a = 0; a < k; a++) for (let b = a + 1; b < k; b++) pairs.push([a, b]);
  const complete = lb.rows.filter((r) => r.values);
  const groups = [
    { name: 'Pareto front', rows: complete.filter((r) => r.front === 0), color: '#dc2626', size: 9 },
    { name: 'dominated', rows: complete.filter((r) => r.front !== 0 && r.feasible !== false), color: '#5470c6', size: 6 },
    { name: 'infeasible', rows: complete.filter((r) => r.feasible === false), color: '#aaa', size: 6 },
  ].filter((g) => g.rows.length);
  const width = 100 / pairs.length;
  drawChart(el, 'pareto', {
    tooltip: { trigger: 'item', formatter: (p) => `${p.data.id}<br>${lb.objectives.map((o, i) => `${o.metric}: ${formatValue(p.data.values[i])}`).join('<br>')}` },
    legend: { top: 0 },
    grid: pairs.map((_, i) => ({ left: `${i * width + 7}%`, width: `${width - 11}%`, top: 40, bottom: 40 })),
    xAxis: pairs.map(([a], i) => ({ gridIndex: i, type: 'value', scale: true, name: lb.objectives[a].metric, nameLocation: 'middle', nameGap: 25 })),
    yAxis: pairs.map(([, b], i) => ({ gridIndex: i, type: 'value', scale: true, name: lb.objectives[b].metric })),
    series: pairs.flatMap(([a, b], i) => groups.map((g) => ({
      name: g.name, type: 'scatter', xAxisIndex: i, yAxisIndex: i, symbolSize: g.size, itemStyle: { color: g.color },
      data: g.rows.map((r) => ({ value: [r.values[a], r.values[b]], id: r.taskId, values: r.values })),
    }))),
  });
}

/** `study`: the summary (or the leaderboard): metric and objectives. */
function drawHistory(el, views, study) {
  drawChart(el, 'history', {
    title: study.objectives.length > 1 ? { text: `first objective: ${study.metric}`, right: 10, top: 0, textStyle: { fontSize: 11, color: '#888' } } : undefined,
    tooltip: { trigger: 'item' }, legend: { top: 0 }, grid,
    xAxis: { type: 'value', name: 'trial', minInterval: 1 }, yAxis: { type: 'value', name: study.metric, scale: true },
    series: [
      { name: 'trial', type: 'scatter', symbolSize: 7, ...LARGE, data: views.history.map((p) => [p.number, p.value]) },
      { name: 'best so far', type: 'line', step: 'end', showSymbol: false, data: views.history.map((p) => [p.number, p.best]) },
    ],
  });
}

/** A value as its axis places it: a category axis takes the choice's name (a number there would be read as an index). */
function onAxis(dimension, v) {
  if (v === null || v === undefined) return null; // a conditional param the trial did not use
  return dimension.type === 'categorical' || typeof v === 'boolean' ? String(v) : v;
}

function axisFor(axis, i) {
  const d = axis.dimension;
  if (d.type === 'categorical') return { dim: i, name: axis.name, type: 'category', data: d.choices.map(String) };
  if (d.type === 'objective') return { dim: i, name: axis.name, type: 'value', scale: true, nameTextStyle: { fontWeight: 'bold' } };
  return { dim: i, name: axis.name, type: d.log ? 'log' : 'value', min: d.low, max: d.high };
}

function drawParallel(el, views) {
  const { axes, rows } = views.parallel;
  const first = axes.findIndex((a) => a.dimension.type === 'objective'); // lines coloured by the first objective
  const objective = rows.map((r) => r.values[first]);
  drawChart(el, 'parallel', {
    parallelAxis: axes.map(axisFor),
    parallel: { left: 60, right: 130, top: 50, bottom: 30 },
    visualMap: objective.length ? { show: true, dimension: first, precision: 3, min: Math.min(...objective), max: Math.max(...objective), right: 10, top: 'center', itemHeight: 160, calculable: false, inRange: { color: ['#d94e5d', '#eac736', '#50a3ba'].reverse() } } : undefined,
    series: [{ name: 'trials', type: 'parallel', lineStyle: { width: 1.5, opacity: 0.6 }, data: rows.map((r) => r.values.map((v, i) => onAxis(axes[i].dimension, v))) }],
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
    series: views.slices.map((s, i) => ({ name: s.param, type: 'scatter', xAxisIndex: i, yAxisIndex: i, symbolSize: 6, ...LARGE, data: s.points.map(([x, y]) => [onAxis(s.dimension, x), y]) })),
  });
}

/**
 * Each started trial as a bar on its agent's slot lane, drawn as a thick line segment, a series per
 * status: about half the cost of a custom series' shape per trial. (ECharts' `large` lines would cost
 * half as much again but answer no hover.)
 */
function drawTimeline(el, views) {
  const lanes = [...new Set(views.timeline.map((t) => `${t.agent} · slot ${t.lane}`))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const laneIndex = new Map(lanes.map((name, i) => [name, i]));
  const colors = { completed: '#3ba272', pruned: '#fac858', failed: '#ee6666', stopped: '#999', running: '#5470c6', queued: '#91cc75' };
  const from = Math.min(...views.timeline.map((t) => t.start));
  const to = Math.max(...views.timeline.map((t) => t.end));
  const plotWidth = Math.max(100, el.clientWidth - grid.left - 130 - grid.right);
  const shortest = ((to - from) / plotWidth) * 2; // a bar is at least 2 px long
  const thickness = Math.max(2, Math.min(24, ((el.clientHeight - grid.top - grid.bottom) / Math.max(1, lanes.length)) * 0.6));
  const byStatus = new Map();
  for (const t of views.timeline) {
    const lane = laneIndex.get(`${t.agent} · slot ${t.lane}`);
    if (!byStatus.has(t.status)) byStatus.set(t.status, []);
    byStatus.get(t.status).push({ coords: [[t.start, lane], [Math.max(t.end, t.start + shortest), lane]], trial: t.number, status: t.status, ms: t.end - t.start });
  }
  drawChart(el, 'timeline', {
    tooltip: { trigger: 'item', formatter: (p) => `trial #${p.data.trial}: ${p.data.status}, ${Math.round(p.data.ms / 1000)} s` },
    grid: { ...grid, left: 130 },
    xAxis: { type: 'time', min: from, max: to, axisLabel: { hideOverlap: true, formatter: '{HH}:{mm}:{ss}' } }, yAxis: { type: 'category', data: lanes },
    series: [...byStatus].map(([status, data]) => ({
      name: status, type: 'lines', coordinateSystem: 'cartesian2d',
      lineStyle: { color: colors[status] ?? '#888', width: thickness, opacity: 1, cap: 'butt' }, data,
    })),
  });
}

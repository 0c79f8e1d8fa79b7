// One task: status and timing, actions, params (hyp / args), scalar charts by group, log tail, artifacts, environment.
import { apiUrl, getJson, isReport, onTaskEvents, postJson } from 'hpo/api.js';
import { chartsReady, drawChart, grid } from 'hpo/charts.js';
import { debounce, formatDuration, formatTime, formatValue, h, statusBadge } from 'hpo/dom.js';

/** YOLOv5 results.csv groups: metrics/, train/, val/, x/ (anything else under "other"). */
export function groupOf(name) {
  const prefix = name.includes('/') ? name.slice(0, name.indexOf('/')) : '';
  return ['metrics', 'train', 'val', 'x'].includes(prefix) ? prefix : 'other';
}

export async function taskPage(main, id) {
  let [task] = await Promise.all([getJson(`/api/tasks/${encodeURIComponent(id)}`), chartsReady]);
  const header = h('section');
  const charts = h('section', { class: 'charts' });
  const log = h('pre', { class: 'log', id: 'log' });
  let logOffset = 0;
  main.append(header, h('h2', {}, 'Scalars'), charts, h('h2', {}, 'Params'), paramsTable(task.params), h('h2', {}, 'Console'), log,
    h('h2', {}, 'Artifacts'), artifacts(task), h('h2', {}, 'Environment'), environment(task.environment));
  if (!isReport) main.append(h('h2', {}, 'Clone and edit'), cloneForm(task));

  const render = () => {
    header.replaceChildren(
      h('h1', {}, task.name, ' ', statusBadge(task.status)),
      h('p', { class: 'muted' }, `${task.id} · ${task.type} · project ${task.project} · trainer ${task.trainer.type}`,
        task.parent ? [' · parent ', h('a', { href: `#/task/${task.parent}` }, task.parent)] : '',
        task.startedAt ? ` · ran ${formatDuration((task.finishedAt ?? Date.now()) - task.startedAt)} from ${formatTime(task.startedAt)}` : '',
        task.statusReason ? ` · ${task.statusReason}` : ''),
      task.type === 'controller' ? h('p', {}, h('a', { href: `#/study/${task.id}` }, 'Open the study')) : '',
      !isReport && !['completed', 'failed', 'stopped'].includes(task.status)
        ? h('button', { class: 'danger', onclick: async (e) => {
          e.target.disabled = true;
          await postJson(`/api/tasks/${task.id}/stop`, { reason: 'stopped from the UI' }).catch((err) => alert(err.message));
        } }, 'Stop')
        : '');
    const groups = {};
    for (const [name, series] of Object.entries(task.scalars)) (groups[groupOf(name)] ??= []).push([name, series]);
    charts.replaceChildren();
    for (const [group, list] of Object.entries(groups)) {
      const el = h('div', { class: 'chart-box' });
      charts.append(h('div', { class: 'chart-card' }, h('h3', {}, group), el));
      drawChart(el, `scalars:${group}`, {
        tooltip: { trigger: 'axis' }, legend: { type: 'scroll', top: 0 }, grid,
        xAxis: { type: 'value', name: 'epoch', minInterval: 1 }, yAxis: { type: 'value', scale: true },
        series: list.map(([name, s]) => ({ name, type: 'line', showSymbol: s.length < 50, data: s.map((p) => [p.step, p.value]) })),
      });
    }
    if (!Object.keys(groups).length) charts.append(h('p', { class: 'muted' }, 'no scalars reported'));
  };
  const appendLog = (text) => {
    const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    log.append(document.createTextNode(text));
    if (atBottom) log.scrollTop = log.scrollHeight;
  };
  render();
  appendLog(task.log);
  logOffset = task.log.length;
  // Live tail: on every change of this task, fetch the record and the log past what we have.
  return onTaskEvents(debounce(async (events) => {
    if (!events.some((e) => e.id === id)) return;
    const [next, tail] = await Promise.all([getJson(`/api/tasks/${encodeURIComponent(id)}`), getJson(`/api/tasks/${encodeURIComponent(id)}/log?offset=${logOffset}`)]);
    task = next;
    render();
    appendLog(tail.text);
    logOffset = tail.offset;
  }, 200));
}

/** Params grouped as YOLOv5 groups them: hyp/ (hyp.yaml) and args/ (train.py flags). */
export function paramsTable(params) {
  const groups = {};
  for (const [k, v] of Object.entries(params)) (groups[k.includes('/') ? k.slice(0, k.indexOf('/')) : 'other'] ??= []).push([k, v]);
  return h('div', { class: 'param-groups' }, Object.entries(groups).map(([g, list]) => h('table', { class: 'grid params' },
    h('thead', {}, h('tr', {}, h('th', { colspan: 2 }, g))),
    h('tbody', {}, list.map(([k, v]) => h('tr', {}, h('td', { class: 'mono' }, k.slice(g.length + 1) || k), h('td', { class: 'num' }, formatValue(v))))))));
}

function artifacts(task) {
  const list = Object.values(task.artifacts ?? {});
  if (!list.length) return h('p', { class: 'muted' }, 'no artifacts');
  const images = list.filter((a) => /\.(png|jpe?g)$/i.test(a.name));
  return h('div', {},
    h('table', { class: 'grid' }, h('tbody', {}, list.map((a) => h('tr', {},
      h('td', {}, isReport ? a.name : h('a', { href: apiUrl(`/api/tasks/${task.id}/artifacts/${encodeURIComponent(a.name)}`), download: a.name }, a.name)),
      h('td', { class: 'num' }, `${a.size.toLocaleString()} bytes`), h('td', {}, formatTime(a.createdAt)))))),
    isReport ? '' : h('div', { class: 'images' }, images.map((a) => h('figure', {}, h('img', { src: apiUrl(`/api/tasks/${task.id}/artifacts/${encodeURIComponent(a.name)}`), alt: a.name, loading: 'lazy' }), h('figcaption', {}, a.name)))));
}

function environment(env) {
  if (!env) return h('p', { class: 'muted' }, 'not captured');
  return h('div', {},
    h('table', { class: 'grid' }, h('tbody', {},
      [['host', env.host], ['platform', env.platform], ['node', env.node], ['cpus', `${env.cpus?.count} × ${env.cpus?.model}`], ['gpus', (env.gpus ?? []).join(', ') || 'none'], ['backend', env.backend ?? ''],
        ['git', env.git ? `${env.git.commit}${env.git.dirty ? ' (dirty)' : ''}` : 'not a git checkout']].map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', { class: 'mono' }, v))))),
    h('details', {}, h('summary', {}, `packages (${Object.keys(env.packages ?? {}).length})`), h('pre', {}, Object.entries(env.packages ?? {}).map(([k, v]) => `${k} ${v}`).join('\n'))),
    env.git?.diff ? h('details', {}, h('summary', {}, 'git diff'), h('pre', { class: 'diff' }, env.git.diff)) : '');
}

/** Edits go to the server as `name=value` entries, validated there exactly as `hpo train --set` is. */
function cloneForm(task) {
  const error = h('p', { class: 'error', id: 'clone-error' });
  const fields = Object.entries(task.params).map(([k, v]) => h('label', { class: 'param-field' }, h('span', { class: 'mono' }, k), h('input', { name: k, value: String(v), 'data-original': String(v) })));
  const form = h('form', { id: 'clone-form', class: 'clone', onsubmit: async (e) => {
    e.preventDefault();
    error.textContent = '';
    const set = [...form.querySelectorAll('.param-field input')].filter((i) => i.value !== i.dataset.original).map((i) => `${i.name}=${i.value}`);
    const extra = form.elements.extra.value.trim();
    if (extra) set.push(...extra.split('\n').map((s) => s.trim()).filter(Boolean));
    try {
      const created = await postJson(`/api/tasks/${task.id}/clone`, { set, then: form.elements.then.value, queue: form.elements.queue.value, ...(form.elements.name.value ? { name: form.elements.name.value } : {}) });
      location.hash = `#/task/${created.id}`;
    } catch (err) {
      error.textContent = err.message;
    }
  } },
    h('div', { class: 'param-fields' }, fields),
    h('label', {}, 'new params (one section/name=value a line)', h('textarea', { name: 'extra', rows: 2 })),
    h('label', {}, 'name', h('input', { name: 'name', placeholder: `${task.name} (clone)` })),
    h('label', {}, 'then', h('select', { name: 'then' }, h('option', { value: 'draft' }, 'save as draft'), h('option', { value: 'enqueue' }, 'enqueue'), h('option', { value: 'run' }, 'run here'))),
    h('label', {}, 'queue', h('input', { name: 'queue', value: 'default', size: 10 })),
    h('button', { type: 'submit' }, 'Clone'), error);
  return form;
}

// Tasks: filters, chosen columns, sort by any column, paging, CSV/JSON export, select to compare.
import { apiUrl, getJson, onTaskEvents } from 'hpo/api.js';
import { debounce, formatDuration, formatTime, formatValue, h, statusBadge } from 'hpo/dom.js';

const FILTERS = ['project', 'type', 'status', 'tag', 'parent', 'q'];
const DEFAULT_COLUMNS = 'name,type,status,project,duration,created';

export async function tasksPage(main, query) {
  const state = Object.fromEntries(query);
  state.columns ??= DEFAULT_COLUMNS;
  state.limit ??= '100';
  state.offset ??= '0';
  const selected = new Set();
  const navigate = (patch) => {
    const next = { ...state, ...patch };
    for (const [k, v] of Object.entries(next)) if (v === '' || v === undefined) delete next[k];
    location.hash = '#/tasks?' + new URLSearchParams(next).toString();
  };
  const queryString = () => new URLSearchParams(Object.entries(state).filter(([, v]) => v !== '')).toString();

  const filters = h('form', { class: 'filters', onsubmit: (e) => {
    e.preventDefault();
    navigate({ ...Object.fromEntries(FILTERS.map((f) => [f, e.target.elements[f].value.trim()])), offset: '0' });
  } },
    FILTERS.map((f) => h('label', {}, f === 'q' ? 'text' : f, h('input', { name: f, value: state[f] ?? '', size: f === 'q' ? 16 : 10 }))),
    h('button', { type: 'submit' }, 'Filter'));
  const compareButton = h('button', { disabled: true, onclick: () => (location.hash = `#/compare?ids=${[...selected].join(',')}`) }, 'Compare selected');
  const exportLinks = h('span', { class: 'exports' },
    h('a', { href: apiUrl(`/api/tasks?${queryString()}&format=csv`), download: 'tasks.csv' }, 'CSV'), ' ',
    h('a', { href: apiUrl(`/api/tasks?${queryString()}&format=json`), download: 'tasks.json' }, 'JSON'));
  const picker = h('details', { class: 'picker' }, h('summary', {}, 'Columns'));
  const table = h('table', { class: 'grid', id: 'task-table' });
  const pager = h('div', { class: 'pager' });
  main.append(h('h1', {}, 'Tasks'), filters, h('div', { class: 'toolbar' }, picker, compareButton, exportLinks), table, pager);

  const columns = state.columns.split(',').filter(Boolean);
  getJson(`/api/columns?${new URLSearchParams(state.project ? { project: state.project } : {})}`).then((choices) => {
    const option = (spec) => h('label', {}, h('input', { type: 'checkbox', checked: columns.includes(spec), onchange: (e) => {
      const next = e.target.checked ? [...columns, spec] : columns.filter((c) => c !== spec);
      navigate({ columns: next.join(',') });
    } }), spec);
    picker.append(h('div', { class: 'picker-body' },
      h('div', {}, h('b', {}, 'fields'), choices.fields.map(option)),
      h('div', {}, h('b', {}, 'params'), choices.params.map((p) => option(`param:${p}`))),
      h('div', {}, h('b', {}, 'scalars (last / best)'), choices.scalars.map((s) => [option(`last:${s}`), option(`best:${s}`)]))));
  });

  const draw = async () => {
    const data = await getJson(`/api/tasks?${queryString()}`);
    const header = h('tr', {}, h('th', {}, ''), h('th', {}, 'id'), data.columns.map((c) => {
      const active = state.sort === c;
      const arrow = active ? (state.order === 'desc' ? ' ▼' : ' ▲') : '';
      return h('th', { class: 'sortable', 'data-column': c, onclick: () => navigate({ sort: c, order: active && state.order !== 'desc' ? 'desc' : 'asc' }) }, c + arrow);
    }));
    const rows = data.rows.map((row) => h('tr', { 'data-id': row.id },
      h('td', {}, h('input', { type: 'checkbox', checked: selected.has(row.id), onchange: (e) => {
        if (e.target.checked) selected.add(row.id);
        else selected.delete(row.id);
        compareButton.disabled = selected.size < 2 || selected.size > 10;
      } })),
      h('td', { class: 'mono' }, h('a', { href: row.values.type === 'controller' ? `#/study/${row.id}` : `#/task/${row.id}` }, row.id)),
      data.columns.map((c) => h('td', { 'data-column': c, class: typeof row.values[c] === 'number' ? 'num' : '' }, cellText(c, row.values[c])))));
    table.replaceChildren(h('thead', {}, header), h('tbody', {}, rows));
    const offset = Number(state.offset);
    const limit = Number(state.limit);
    pager.replaceChildren(
      h('button', { disabled: offset === 0, onclick: () => navigate({ offset: String(Math.max(0, offset - limit)) }) }, '‹ prev'),
      ` ${data.total ? offset + 1 : 0}-${Math.min(offset + limit, data.total)} of ${data.total} `,
      h('button', { disabled: offset + limit >= data.total, onclick: () => navigate({ offset: String(offset + limit) }) }, 'next ›'),
      h('select', { onchange: (e) => navigate({ limit: e.target.value, offset: '0' }) }, ['50', '100', '1000', '10000'].map((n) => h('option', { value: n, selected: n === state.limit }, `${n} a page`))));
  };
  await draw();
  return onTaskEvents(debounce(() => draw().catch(() => {}), 1000));
}

function cellText(column, value) {
  if (column === 'status') return statusBadge(value);
  if (column === 'duration') return formatDuration(value);
  if (column === 'created') return formatTime(value);
  return formatValue(value);
}

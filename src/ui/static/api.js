// Data access for every page: the live API, or the data a report carries inline.

const report = globalThis.__HPO_REPORT__;
const token = new URLSearchParams(location.search).get('token') ?? sessionStorage.getItem('hpo-token');
if (token) sessionStorage.setItem('hpo-token', token);

/** True in a `hpo report` file: no server, no actions, no live updates. */
export const isReport = !!report;

/** GET a JSON path of the API (`/api/tasks?...`); in a report, the inlined answer for that path. */
export async function getJson(path) {
  if (report) {
    const route = path.split('?')[0]; // a report holds whole answers: `?parts=` asks for some of one
    if (!(route in report.routes)) throw new Error(`This report does not include ${route}: open it with hpo ui.`);
    return report.routes[route];
  }
  const early = globalThis.__hpoEarly; // the request the page's first script made for this path (server.ts)
  globalThis.__hpoEarly = undefined;
  const res = await (early?.path === path ? early.response : fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} }));
  return parse(res);
}

/** POST JSON to the API; rejects with the API's error message. */
export async function postJson(path, body) {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return parse(res);
}

async function parse(res) {
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
  return body;
}

/** A URL for a link (export, download) that carries the token when there is one. */
export function apiUrl(path) {
  if (!token) return path;
  return path + (path.includes('?') ? '&' : '?') + `token=${encodeURIComponent(token)}`;
}

const listeners = new Set();
let source;

/** Calls `fn(events)` for each batch of task changes the server sees; returns an unsubscribe. */
export function onTaskEvents(fn) {
  if (report) return () => {};
  listeners.add(fn);
  if (!source) {
    source = new EventSource(apiUrl('/api/events'));
    source.addEventListener('tasks', (e) => {
      const events = JSON.parse(e.data);
      for (const l of listeners) l(events);
    });
    source.addEventListener('open', () => setLive(true));
    source.addEventListener('error', () => setLive(false));
  }
  return () => listeners.delete(fn);
}

function setLive(on) {
  const el = document.getElementById('live');
  if (el) {
    el.textContent = on ? '● live' : '○ reconnecting';
    el.className = on ? 'live on' : 'live';
  }
}

import { readFileSync } from 'node:fs';
import type { TaskStore } from '../core/index.ts';
import { requestView, ScalarCache } from './api/reads.ts';
import { studyViews } from './api/study-views.ts';
import { echartsPath, pageShell, staticFiles } from './static-files.ts';

/**
 * `hpo report`: one self-contained HTML file with the Study page of a controller (or the Task page
 * of any other task). The same front-end modules as `hpo ui`, each inlined as a data: URL behind the
 * import map; ECharts and the API answers the page asks for are inlined too; a Content-Security-Policy
 * forbids every network request.
 */
export async function buildReport(store: TaskStore, id: string): Promise<{ html: string; kind: 'study' | 'task' }> {
  const task = await store.get(id);
  const routes: Record<string, unknown> = {};
  let start: string;
  if (task.type === 'controller') {
    routes[`/api/studies/${encodeURIComponent(id)}/views`] = await studyViews(requestView(store, new ScalarCache()), id);
    start = `/study/${id}`;
  } else {
    const [scalars, log] = await Promise.all([store.getScalars(id), store.readLog(id)]);
    routes[`/api/tasks/${encodeURIComponent(id)}`] = { ...task, scalars, log };
    start = `/task/${id}`;
  }
  const files = staticFiles();
  const imports = Object.fromEntries(
    [...files].filter(([name]) => name.endsWith('.js')).map(([name, body]) => [`hpo/${name}`, `data:text/javascript;base64,${Buffer.from(body).toString('base64')}`]),
  );
  const data = JSON.stringify({ routes, start, createdAt: Date.now() }).replace(/</g, '\\u003c');
  const echarts = readFileSync(echartsPath(), 'utf8').replace(/<\/script/gi, '<\\/script');
  const csp = "default-src 'none'; script-src 'unsafe-inline' data:; style-src 'unsafe-inline'; img-src data:";
  const head = [
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    `<script>${echarts}</script>`,
    `<script>window.__HPO_REPORT__ = ${data};</script>`,
  ].join('\n');
  return { html: pageShell({ imports, css: files.get('style.css') ?? '', title: `hpo report: ${task.name}`, head }), kind: task.type === 'controller' ? 'study' : 'task' };
}

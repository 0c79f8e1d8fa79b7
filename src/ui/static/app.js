// Hash router: #/tasks, #/task/<id>, #/compare?ids=a,b, #/study/<id>.
import { isReport } from 'hpo/api.js';
import { h } from 'hpo/dom.js';
import { tasksPage } from 'hpo/pages/tasks.js';
import { taskPage } from 'hpo/pages/task.js';
import { comparePage } from 'hpo/pages/compare.js';
import { studyPage } from 'hpo/pages/study.js';

let cleanup = () => {};

export function start() {
  if (!isReport) document.getElementById('nav').append(h('a', { href: '#/tasks' }, 'Tasks'));
  window.addEventListener('hashchange', route);
  route();
}

function route() {
  cleanup();
  cleanup = () => {};
  const [path, search = ''] = (location.hash.slice(1) || globalThis.__HPO_REPORT__?.start || '/tasks').split('?');
  const query = new URLSearchParams(search);
  const [, page, id] = path.split('/');
  const main = document.getElementById('main');
  main.replaceChildren();
  const pages = { tasks: () => tasksPage(main, query), task: () => taskPage(main, decodeURIComponent(id)), compare: () => comparePage(main, query), study: () => studyPage(main, decodeURIComponent(id)) };
  const render = pages[page] ?? pages.tasks;
  Promise.resolve(render())
    .then((stop) => (cleanup = typeof stop === 'function' ? stop : () => {}))
    .catch((error) => main.replaceChildren(h('p', { class: 'error' }, String(error?.message ?? error))));
}

import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseOrThrow, type TaskStore } from '../core/index.ts';
import { taskArtifactRef, type ArtifactStores } from '../artifacts/index.ts';
import { buildLeaderboard } from '../study/leaderboard.ts';
import { cloneAction, cloneBodySchema, stopAction, stopBodySchema, type ActionContext } from './api/actions.ts';
import { StorePoller } from './api/events.ts';
import { requestView, ScalarCache } from './api/reads.ts';
import { TaskSnapshot } from './api/snapshot.ts';
import { studyViews, VIEW_PARTS } from './api/study-views.ts';
import { FinishedStudyViews } from './api/views-cache.ts';
import { columnChoices, taskQuerySchema, taskTable, toCsv } from './api/task-table.ts';
import { errorReply, ReadOnlyError, TokenError } from './http-errors.ts';
import { CONTENT_TYPES, echartsPath, gzippedCopy, pageShell, staticFiles } from './static-files.ts';

export interface UiServerOptions {
  store: TaskStore;
  /** How child processes and agents open the same store (absolute path or URL). */
  storeSpec: string;
  /** Where artifact bytes are read from (the stores task records name). */
  artifacts: ArtifactStores;
  /** Required on every /api call when set (Bearer header or ?token=). */
  token?: string;
  readOnly?: boolean;
  /** The queue's Redis for "enqueue". Default redis://127.0.0.1:6379. */
  redisUrl?: string;
  queuePrefix?: string;
  /** How often the event stream polls the store, and the age at which a task list refreshes. Default 500 ms. */
  pollMs?: number;
}

const idParams = z.strictObject({ id: z.string().min(1).max(64) });
const tokenOnly = z.strictObject({ token: z.string().optional() });
/** `?parts=summary,history`: some of a study's views (all by default), answered in VIEW_PARTS order. */
const viewsQuery = z.strictObject({
  parts: z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)).pipe(z.array(z.enum(VIEW_PARTS)).min(1)).optional(),
  token: z.string().optional(),
});

/**
 * The `hpo ui` app: JSON API over the task store, an SSE event stream, and the front end. Thin:
 * every answer comes from the CLI's own functions (buildLeaderboard, stopTask, parseSetFlags).
 * Test it in process with `app.inject()`; `hpo ui` calls `listen`.
 */
export function buildUiApp(options: UiServerOptions): FastifyInstance {
  // forceCloseConnections: open event streams must not keep close() waiting.
  const app = Fastify({ logger: false, bodyLimit: 1 << 20, forceCloseConnections: true });
  const cache = new ScalarCache();
  const finishedViews = new FinishedStudyViews();
  const pollMs = options.pollMs ?? 500;
  // Task lists come from a snapshot the poller refreshes (see TaskSnapshot for how fresh).
  const snapshot = new TaskSnapshot(options.store, pollMs);
  const poller = new StorePoller(options.store, snapshot, pollMs);
  const closing = new AbortController();
  const actions: ActionContext = {
    store: options.store,
    storeSpec: options.storeSpec,
    redisUrl: options.redisUrl ?? 'redis://127.0.0.1:6379',
    queuePrefix: options.queuePrefix,
    signal: closing.signal,
  };
  const view = () => requestView(options.store, cache, snapshot);

  app.setErrorHandler((error, _request, reply) => {
    const { status, body } = errorReply(error);
    void reply.code(status).send(body);
  });
  app.addHook('onRequest', async (request) => {
    if (options.token && request.url.startsWith('/api/') && !tokenMatches(request, options.token)) throw new TokenError();
  });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
  });
  app.addHook('onClose', async () => {
    poller.stop();
    closing.abort('the ui server closed');
  });
  const writable = (action: string) => {
    if (options.readOnly) throw new ReadOnlyError(action);
  };

  // Front end
  const files = staticFiles();
  const echarts = readFileSync(echartsPath(), 'utf8');
  const echartsGzipped = gzippedCopy(echartsPath());
  const imports = Object.fromEntries([...files.keys()].filter((f) => f.endsWith('.js')).map((f) => [`hpo/${f}`, `/static/${f}`]));
  // Modules preloaded side by side (no import waterfall); ECharts async so the first API request does not wait for it.
  const preloads = Object.values(imports).map((url) => `<link rel="modulepreload" href="${url}">`);
  const shell = pageShell({ imports, css: files.get('style.css') ?? '', title: 'hpo', head: [EARLY_VIEWS, ...preloads, '<script id="echarts-script" async fetchpriority="high" src="/vendor/echarts.min.js"></script>'].join('\n') });
  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(shell));
  app.get('/vendor/echarts.min.js', async (request, reply) => {
    reply.type(CONTENT_TYPES['.js']).header('cache-control', 'max-age=3600').header('vary', 'accept-encoding');
    if (echartsGzipped && /\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) return reply.header('content-encoding', 'gzip').send(echartsGzipped);
    return reply.send(echarts);
  });
  app.get('/static/*', async (request, reply) => {
    const name = (request.params as { '*': string })['*'];
    const body = files.get(name);
    if (body === undefined) return reply.code(404).send({ error: { code: 'NOT_FOUND', name: 'NotFound', message: `no static file ${name}` } });
    return reply.type(CONTENT_TYPES[name.slice(name.lastIndexOf('.'))] ?? 'text/plain').send(body);
  });

  // Reads
  app.get('/api/info', async () => ({ readOnly: !!options.readOnly, store: options.store.location, live: true }));
  app.get('/api/tasks', async (request, reply) => {
    const query = parseOrThrow(taskQuerySchema, request.query, 'query');
    const table = await taskTable(view(), cache, query);
    if (query.format === 'csv') return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="tasks.csv"').send(toCsv(table));
    return table;
  });
  app.get('/api/columns', async (request) => {
    const query = parseOrThrow(z.strictObject({ project: z.string().optional(), parent: z.string().optional(), token: z.string().optional() }), request.query, 'query');
    const store = view();
    return columnChoices(store, cache, await store.list({ project: query.project, parent: query.parent }));
  });
  app.get('/api/tasks/:id', async (request) => {
    const { id } = parseOrThrow(idParams, request.params, 'path');
    parseOrThrow(tokenOnly, request.query, 'query');
    const task = await options.store.get(id);
    const [scalars, log] = await Promise.all([options.store.getScalars(id), options.store.readLog(id)]);
    return { ...task, scalars, log }; // what `hpo tasks show --json` prints
  });
  app.get('/api/tasks/:id/log', async (request) => {
    const { id } = parseOrThrow(idParams, request.params, 'path');
    const { offset } = parseOrThrow(z.strictObject({ offset: z.coerce.number().int().min(0).default(0), token: z.string().optional() }), request.query, 'query');
    const [task, log] = await Promise.all([options.store.get(id), options.store.readLog(id)]);
    return { status: task.status, offset: log.length, text: log.slice(Math.min(offset, log.length)) };
  });
  app.get('/api/tasks/:id/artifacts/:name', async (request, reply) => {
    const { id, name } = parseOrThrow(z.strictObject({ id: z.string().min(1).max(64), name: z.string().min(1).max(255) }), request.params, 'path');
    parseOrThrow(tokenOnly, request.query, 'query');
    const ref = await taskArtifactRef(options.store, id, name);
    const data = await (await options.artifacts.forSpec(ref.store)).get(ref.key);
    reply.header('content-length', ref.size);
    // Only images show inline; anything else downloads, so an artifact can never run as a page here.
    const image = /\.(png|jpe?g)$/i.exec(name)?.[1]?.toLowerCase();
    reply.type(image ? `image/${image === 'jpg' ? 'jpeg' : image}` : 'application/octet-stream');
    if (!image) reply.header('content-disposition', `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, '_')}"`);
    return reply.send(data);
  });
  app.get('/api/studies/:id/leaderboard', async (request) => {
    const { id } = parseOrThrow(idParams, request.params, 'path');
    return buildLeaderboard(view(), id); // what `hpo top --json` prints
  });
  app.get('/api/studies/:id/views', async (request, reply) => {
    const { id } = parseOrThrow(idParams, request.params, 'path');
    const asked = parseOrThrow(viewsQuery, request.query, 'query').parts;
    const parts = asked ? VIEW_PARTS.filter((p) => asked.includes(p)) : [...VIEW_PARTS];
    const store = view();
    return reply.type('application/json; charset=utf-8').send(await finishedViews.json(store, id, parts, (missing) => studyViews(store, id, missing)));
  });
  app.get('/api/events', (request, reply) => streamEvents(request, reply, poller));

  // Actions
  app.post('/api/tasks/:id/stop', async (request) => {
    writable('stopping a task');
    const { id } = parseOrThrow(idParams, request.params, 'path');
    const outcome = await stopAction(actions, id, parseOrThrow(stopBodySchema, request.body ?? {}, 'body'));
    snapshot.invalidate();
    return outcome;
  });
  app.post('/api/tasks/:id/clone', async (request, reply) => {
    writable('cloning a task');
    const { id } = parseOrThrow(idParams, request.params, 'path');
    const task = await cloneAction(actions, id, parseOrThrow(cloneBodySchema, request.body ?? {}, 'body'));
    snapshot.invalidate();
    return reply.code(201).send(task);
  });
  return app;
}

/**
 * A study page's views requested from the page's first bytes instead of after its modules have
 * loaded and run (a few hundred ms on a busy 2-core machine): api.js's getJson takes this answer.
 */
const EARLY_VIEWS = `<script>(() => {
  const study = /^#\\/study\\/([^?/]+)/.exec(location.hash);
  if (!study) return;
  try {
    const token = new URLSearchParams(location.search).get('token') ?? sessionStorage.getItem('hpo-token');
    const path = '/api/studies/' + encodeURIComponent(decodeURIComponent(study[1])) + '/views?parts=summary,history'; // study.js's FIRST_PARTS
    window.__hpoEarly = { path, response: fetch(path, { headers: token ? { authorization: 'Bearer ' + token } : {} }) };
  } catch {} // a malformed id: the page reports it the usual way
})();</script>`;

function tokenMatches(request: FastifyRequest, token: string): boolean {
  const header = request.headers.authorization;
  const given = header?.startsWith('Bearer ') ? header.slice(7) : (request.query as { token?: string } | undefined)?.token;
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Server-sent events: one `tasks` message per poll that saw changes, a comment every 15 s to keep proxies open. */
function streamEvents(request: FastifyRequest, reply: FastifyReply, poller: StorePoller): void {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-content-type-options': 'nosniff' });
  res.write('retry: 2000\n: connected\n\n');
  const unsubscribe = poller.subscribe((events) => res.write(`event: tasks\ndata: ${JSON.stringify(events)}\n\n`));
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  request.raw.on('close', () => {
    clearInterval(keepAlive);
    unsubscribe();
  });
}

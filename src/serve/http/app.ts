/**
 * The HTTP API on Fastify: predict, models and versions, health and metrics. Every error is
 * answered as `{ error: { code, message } }` with its status: 400 bad input (the decoder's or
 * the schema's words), 404 unknown model, 413 body too large, 415 unsupported type, 503 with
 * Retry-After when the server is full or draining, 504 when a request outlives its timeout.
 */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import { HpoError } from '../../core/index.ts';
import { ServeMetrics } from '../metrics.ts';
import type { ModelVersion } from '../model-version.ts';
import { ServedModel } from '../served-model.ts';
import { IMAGE_TYPES, predict, readPredictInput } from './predict.ts';
import { parseRequest, promoteBodySchema, versionBodySchema } from './schemas.ts';

const ACCEPTED_TYPES = [...IMAGE_TYPES, 'multipart/form-data', 'application/json'];

/** Server settings (the `hpo serve` flags). */
export interface ServeAppOptions {
  /** Largest request body in bytes (413 past it). */
  bodyLimit: number;
  /** Predict requests answered at once; more get 503 + Retry-After. */
  maxInFlight: number;
  /** A predict request not answered within this gets 504. */
  requestTimeoutMs: number;
  maxImages: number;
  /** Loads a version from a task or controller id (the versions endpoint). */
  loadVersion(id: string): Promise<ModelVersion>;
  log?(level: 'info' | 'warn', message: string): void;
}

/** What the predict route's onRequest hook attaches to a request. */
interface PredictRequest {
  finishInFlight: () => void;
  /** Epoch ms past which the request is answered 504. */
  deadline: number;
}

/** The server's mutable state, shared with the CLI (follow, drain). */
export interface ServeState {
  models: Map<string, ServedModel>;
  metrics: ServeMetrics;
  inFlight: number;
  draining: boolean;
}

/** Builds the Fastify app over `state` (not listening yet). */
export function buildServeApp(state: ServeState, opts: ServeAppOptions): FastifyInstance {
  // Node's own request timeout only guards against bodies that never finish (answered 408 with no
  // JSON); the 504 below is the client-facing limit, counted from the request's arrival.
  const app = Fastify({ bodyLimit: opts.bodyLimit, forceCloseConnections: 'idle', requestTimeout: Math.max(opts.requestTimeoutMs * 2, 10_000), return503OnClosing: true });
  void app.register(multipart, { limits: { fileSize: opts.bodyLimit, files: opts.maxImages, fields: 16 } });
  app.addContentTypeParser(IMAGE_TYPES, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((error: FastifyError, _req, reply) => {
    const status = statusOf(error);
    if (status >= 500 && status !== 503 && status !== 504) opts.log?.('warn', `predict failed: ${error.stack ?? error.message}`);
    if (status === 503) void reply.header('retry-after', '1');
    void reply.status(status).send({ error: { code: error.code ?? 'SERVE_ERROR', message: error.message } });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({ error: { code: 'SERVE_NOT_FOUND', message: `no route ${req.method} ${req.url}; see GET /v1/models` } });
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unknown';
    const model = (req.params as { name?: string } | undefined)?.name ?? '';
    state.metrics.request(model, route, reply.statusCode, reply.elapsedTime / 1000);
  });

  const modelOf = (name: string): ServedModel => {
    const m = state.models.get(name);
    if (!m) throw new ApiError(404, 'SERVE_UNKNOWN_MODEL', `no model named "${name}" (served: ${[...state.models.keys()].join(', ') || 'none'})`);
    return m;
  };

  app.post<{ Params: { name: string } }>('/v1/models/:name/predict', {
    onRequest: async (req, reply) => {
      if (state.draining) throw new ApiError(503, 'SERVE_DRAINING', 'the server is shutting down: retry on another replica');
      modelOf(req.params.name);
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (type !== '' && !ACCEPTED_TYPES.includes(type)) {
        throw new ApiError(415, 'SERVE_UNSUPPORTED_TYPE', `content type "${type}" is not accepted: send ${ACCEPTED_TYPES.join(', ')}`);
      }
      if (state.inFlight >= opts.maxInFlight) throw new ApiError(503, 'SERVE_BUSY', `${state.inFlight} requests in flight (limit ${opts.maxInFlight}): retry after the Retry-After seconds`);
      state.inFlight++;
      let done = false;
      const finish = () => { if (!done) { done = true; state.inFlight--; } };
      reply.raw.once('close', finish); // answered, or the client went away
      const tracked = req as unknown as PredictRequest;
      tracked.finishInFlight = finish;
      tracked.deadline = Date.now() + opts.requestTimeoutMs;
    },
    onResponse: async (req) => (req as unknown as Partial<PredictRequest>).finishInFlight?.(),
  }, async (req, reply) => {
    const { images, options } = await readPredictInput(req, opts.maxImages);
    const model = modelOf(req.params.name);
    // The limit covers the whole request: receiving the body and decoding count, not only the forward.
    const timedOut = () => new ApiError(504, 'SERVE_TIMEOUT', `not answered within ${opts.requestTimeoutMs} ms: the server is overloaded; retry later or send fewer images`);
    const left = (req as unknown as PredictRequest).deadline - Date.now();
    if (left <= 0) throw timedOut();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(timedOut()), left); });
    try {
      return reply.send(await Promise.race([predict(model, images, options), timeout]));
    } finally {
      clearTimeout(timer);
    }
  });

  app.get('/v1/models', async () => ({ models: await Promise.all([...state.models.values()].map(describe)) }));
  app.get<{ Params: { name: string } }>('/v1/models/:name', async (req) => describe(modelOf(req.params.name)));

  app.post<{ Params: { name: string } }>('/v1/models/:name/versions', async (req, reply) => {
    const model = modelOf(req.params.name);
    const body = parseRequest(versionBodySchema, req.body, 'versions body');
    const existing = model.versions().find((v) => v.id === body.task);
    const version = existing ?? await opts.loadVersion(body.task);
    model.route(version, body.traffic);
    opts.log?.('info', `model ${model.name}: version ${version.id} takes ${Math.round(body.traffic * 100)} % of the traffic`);
    return reply.status(existing ? 200 : 201).send(await describe(model));
  });
  app.post<{ Params: { name: string } }>('/v1/models/:name/promote', async (req) => {
    const model = modelOf(req.params.name);
    const body = parseRequest(promoteBodySchema, req.body, 'promote body');
    const canary = model.view().find((v) => v.role === 'canary');
    const id = body.version ?? canary?.version;
    if (!id) throw new ApiError(409, 'SERVE_NO_CANARY', `model ${model.name} has no canary to promote; load one with POST /v1/models/${model.name}/versions`);
    model.promote(id);
    return describe(model);
  });
  app.post<{ Params: { name: string } }>('/v1/models/:name/rollback', async (req) => {
    const model = modelOf(req.params.name);
    model.rollback();
    return describe(model);
  });

  app.get('/health', async (_req, reply) => {
    const status = state.draining ? 'draining' : state.models.size === 0 ? 'loading' : 'ready';
    return reply.status(status === 'ready' ? 200 : 503).send({ status, models: [...state.models.keys()] });
  });
  app.get('/metrics', async (_req, reply) => {
    const queueDepth: Record<string, number> = {};
    const versions = [];
    for (const m of state.models.values()) {
      queueDepth[m.name] = 0;
      for (const v of m.versions()) queueDepth[m.name] += await v.depth();
      for (const v of m.view()) versions.push({ model: m.name, version: v.version, role: v.role, traffic: v.traffic });
    }
    return reply.type('text/plain; version=0.0.4').send(state.metrics.render({ queueDepth, inFlight: state.inFlight, versions }));
  });
  return app;
}

/** An error with its HTTP status. */
export class ApiError extends HpoError {
  constructor(readonly statusCode: number, code: string, message: string) {
    super(code, message);
    this.name = 'ApiError';
  }
}

async function describe(m: ServedModel) {
  const info = m.current.info;
  const { runtime, instances } = await m.current.layout();
  return { name: m.name, input_size: m.current.defaultSize, classes: info.names, model: `yolov5${info.size}`, runtime, instances, versions: m.view() };
}

function statusOf(error: FastifyError & { code?: string }): number {
  if (error.statusCode && error.statusCode >= 400) return error.statusCode;
  if (error.code === 'SERVE_IMAGE_UNDECODABLE' || error.code === 'SERVE_BAD_SIZE' || error.code === 'SERVE_BAD_REQUEST') return 400;
  if (error.code === 'SERVE_VERSION_NOT_LOADED') return 409;
  if (error.code === 'TASK_NOT_FOUND' || error.code === 'TASK_ID_INVALID') return 404;
  if (error instanceof HpoError && error.userFacing) return 422;
  return 500;
}

/**
 * `startServer`: loads the first version of a model, builds the API and listens; `close` drains
 * (new requests get 503, in-flight ones finish) and frees the runtimes. `follow` upgrades a
 * model whenever a study's best completed trial changes.
 */
import type { FastifyInstance } from 'fastify';
import type { TaskStore } from '../core/index.ts';
import type { ArtifactStores } from '../artifacts/index.ts';
import { buildServeApp, type ServeState } from './http/app.ts';
import { ServeMetrics } from './metrics.ts';
import { bestCompletedTrial, resolveTrainingTask } from './model-source.ts';
import type { ModelVersion } from './model-version.ts';
import { ServedModel } from './served-model.ts';
import { versionLoader, type LoaderOptions } from './version-loader.ts';

/** Everything `hpo serve` configures. */
export interface ServerOptions {
  store: TaskStore;
  /** Where checkpoints are read from. */
  artifacts: ArtifactStores;
  /** A training task id or a study controller id (its best completed trial). */
  source: string;
  name: string;
  host: string;
  port: number;
  cacheDir: string;
  runtime: 'onnx' | 'tfjs';
  size?: number;
  threads?: number;
  instances?: number;
  maxBatch: number;
  maxWaitMs: number;
  maxInFlight: number;
  requestTimeoutMs: number;
  bodyLimit: number;
  maxImages: number;
  log(level: 'info' | 'warn', message: string): void;
}

/** A running server. */
export interface RunningServer {
  app: FastifyInstance;
  state: ServeState;
  url: string;
  /** Loads a version from a task or controller id. */
  loadVersion(id: string): Promise<ModelVersion>;
  /** Stops taking requests, lets in-flight ones finish, frees the models. */
  close(): Promise<void>;
}

/** Loads the model, then listens. Rejects (nothing left open) when the model cannot load. */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const metrics = new ServeMetrics();
  const loaderOptions: LoaderOptions = {
    store: opts.store, artifacts: opts.artifacts, cacheDir: opts.cacheDir, runtime: opts.runtime, size: opts.size, threads: opts.threads, instances: opts.instances,
    batching: (version) => ({ maxBatch: opts.maxBatch, maxWaitMs: opts.maxWaitMs, onBatch: (n) => metrics.batch(opts.name, version, n) }),
    warn: (m) => opts.log('warn', m),
  };
  const loadTask = versionLoader(loaderOptions);
  const loadVersion = async (id: string) => loadTask(await resolveTrainingTask(opts.store, id));
  const first = await loadVersion(opts.source);
  const state: ServeState = { models: new Map([[opts.name, new ServedModel(opts.name, first)]]), metrics, inFlight: 0, draining: false };
  const app = buildServeApp(state, {
    bodyLimit: opts.bodyLimit, maxInFlight: opts.maxInFlight, requestTimeoutMs: opts.requestTimeoutMs, maxImages: opts.maxImages,
    loadVersion, log: opts.log,
  });
  let address: string;
  try {
    address = await app.listen({ host: opts.host, port: opts.port });
  } catch (error) {
    await state.models.get(opts.name)!.close();
    throw error;
  }
  return {
    app, state, url: address, loadVersion,
    async close() {
      state.draining = true;
      await app.close();
      for (const m of state.models.values()) await m.close();
    },
  };
}

/**
 * Polls a study every `intervalMs` and routes all traffic of `model` to its best completed trial
 * when that changes (the old version retires after its requests). Returns a stop function.
 */
export function followStudy(server: RunningServer, store: TaskStore, controllerId: string, modelName: string, intervalMs: number, log: ServerOptions['log']): () => void {
  let busy = false;
  const tick = async () => {
    if (busy || server.state.draining) return;
    busy = true;
    try {
      const model = server.state.models.get(modelName);
      const best = await bestCompletedTrial(store, controllerId);
      if (!model || best === undefined || model.find(best)) return;
      log('info', `study ${controllerId}: best completed trial is now ${best}; loading it`);
      const version = await server.loadVersion(best);
      model.route(version, 1);
      log('info', `model ${modelName}: now serving version ${best}`);
    } catch (error) {
      log('warn', `following study ${controllerId}: ${(error as Error).message}`);
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  void tick();
  return () => clearInterval(timer);
}

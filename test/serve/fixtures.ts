/**
 * Serving test fixtures: a real file task store holding YOLOv5 training tasks whose best.bin is a
 * randomized model (random-model.ts), real synthetic-dataset JPEG/PNG images (square, plus
 * crops that need letterbox padding), and a server started on a free loopback port.
 */
import { mkdtempSync, mkdirSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { TaskStore } from '../../src/core/index.ts';
import { ArtifactStores, FolderArtifactStore, saveTaskArtifact } from '../../src/artifacts/index.ts';
import { startServer, type RunningServer, type ServerOptions } from '../../src/serve/server.ts';
import { openStore } from '../../src/store/index.ts';
import { encodeCheckpoint } from '../../src/trainers/yolov5/train/checkpoint.ts';
import { synthesizeDataset } from '../../src/trainers/yolov5/data/index.ts';
import type { YoloModel } from '../../src/trainers/yolov5/model/index.ts';
import { randomModel } from './random-model.ts';

export const NAMES = ['circle', 'square', 'triangle'];
export const IMG = 64;

/** The artifact store beside a file task store at `root` (where `hpo` finds it by default). */
export function artifactsOf(root: string): ArtifactStores {
  return new ArtifactStores(new FolderArtifactStore(join(root, 'artifacts'), { durable: false }));
}

/** A store folder with one training task per seed, each with a randomized yolov5n best.bin. */
export async function storeWithTasks(seeds: number[]): Promise<{ dir: string; store: TaskStore; artifacts: ArtifactStores; tasks: string[]; models: YoloModel[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'hpo-serve-'));
  const store = await openStore(join(dir, 'store'));
  const artifacts = artifactsOf(join(dir, 'store'));
  const tasks: string[] = [];
  const models: YoloModel[] = [];
  for (const seed of seeds) {
    const model = await randomModel('n', NAMES.length, seed);
    const task = await store.create({ name: `yolo-${seed}`, project: 'serve-test', type: 'training', trainer: { type: 'yolov5' }, params: { 'args/img': IMG } });
    await saveTaskArtifact(store, artifacts.primary, task.id, 'best.bin', encodeCheckpoint({
      epoch: 0, bestFitness: 0, emaUpdates: 0, model: { size: 'n', nc: NAMES.length, imgSize: IMG, names: NAMES },
      weights: model.serialize(), createdAt: new Date().toISOString(),
    }));
    tasks.push(task.id);
    models.push(model);
  }
  return { dir, store, artifacts, tasks, models };
}

/**
 * Synthetic validation images: `val` squares of IMG px (even JPEG, odd PNG) and, in `crops/`, the
 * same images cut to non-square shapes (so the letterbox pads), saved as their own format.
 */
export async function servingImages(dir: string, val = 6): Promise<{ squares: string; crops: string; files: string[]; cropFiles: string[] }> {
  const out = join(dir, 'ds');
  await synthesizeDataset({ out, train: 1, val, img: IMG, classes: NAMES.length, seed: 5 });
  const squares = join(out, 'images', 'val');
  const crops = join(dir, 'crops');
  mkdirSync(crops);
  const files = readdirSync(squares).sort().map((f) => join(squares, f));
  const cropFiles: string[] = [];
  for (const [i, file] of files.entries()) {
    const [w, h] = i % 2 === 0 ? [IMG, 40 + i] : [37 + i, IMG];
    const img = sharp(await readFile(file)).extract({ left: 0, top: 0, width: w, height: h });
    const target = join(crops, file.slice(file.lastIndexOf('/') + 1));
    await (file.endsWith('.png') ? img.png() : img.jpeg({ quality: 95 })).toFile(target);
    cropFiles.push(target);
  }
  return { squares, crops, files, cropFiles };
}

/** Starts a server on 127.0.0.1 and a free port; `overrides` change the CLI defaults. */
export async function serve(store: TaskStore, dir: string, source: string, overrides: Partial<ServerOptions> = {}): Promise<RunningServer> {
  return startServer({
    store, artifacts: artifactsOf(join(dir, 'store')), source, name: 'detector', host: '127.0.0.1', port: 0, cacheDir: join(dir, 'onnx-cache'), runtime: 'onnx', threads: 1,
    maxBatch: 16, maxWaitMs: 5, maxInFlight: 256, requestTimeoutMs: 30000, bodyLimit: 16 * 1024 * 1024, maxImages: 64,
    log: () => {}, ...overrides,
  });
}

/** POSTs one image file's bytes with its content type; returns status and JSON body. */
export async function postImage(url: string, file: string, query = ''): Promise<{ status: number; body: any; headers: Headers }> {
  const type = file.endsWith('.png') ? 'image/png' : 'image/jpeg';
  const res = await fetch(`${url}/v1/models/detector/predict${query}`, { method: 'POST', headers: { 'content-type': type }, body: await readFile(file) });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** fetch() and the JSON of its answer (typed loosely: tests check the shape). */
export async function fetchJson(url: string, init?: RequestInit): Promise<any> {
  return (await fetch(url, init)).json();
}

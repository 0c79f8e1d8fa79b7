/**
 * The detection API over real HTTP on loopback, with real JPEG and PNG files of the synthetic
 * dataset: its detections equal the trainer's validation predictions (same NMS settings, boxes
 * mapped back through the letterbox), batched answers equal single ones, every input form gives
 * the same answer, and the models, health and metrics endpoints report what was served.
 */
import { readFile, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskStore } from '../../src/core/index.ts';
import type { RunningServer } from '../../src/serve/server.ts';
import { VAL_NMS } from '../../src/trainers/yolov5/train/epochs.ts';
import { serveLayout } from '../../src/serve/version-loader.ts';
import type { YoloModel } from '../../src/trainers/yolov5/model/index.ts';
import { expectSameDetections, validationPredictions } from './detections.ts';
import { fetchJson, IMG, NAMES, postImage, serve, servingImages, storeWithTasks } from './fixtures.ts';

let store: TaskStore;
let dir: string;
let server: RunningServer;
let model: YoloModel;
let task: string;
let images: Awaited<ReturnType<typeof servingImages>>;
const VAL_QUERY = `?conf=${VAL_NMS.confThres}&iou=${VAL_NMS.iouThres}&max_det=${VAL_NMS.maxDet}&multi_label=true`;

beforeAll(async () => {
  const fx = await storeWithTasks([1]);
  store = fx.store;
  dir = fx.dir;
  model = fx.models[0];
  task = fx.tasks[0];
  images = await servingImages(fx.dir);
  // A long batching window: announced images (a multipart request's) always share one forward
  // pass, and a lone image still runs at once (nothing else announced), so no test waits on it.
  server = await serve(store, fx.dir, task, { maxWaitMs: 1000 });
});

afterAll(async () => {
  await server?.close();
  model?.dispose();
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('POST /v1/models/detector/predict', () => {
  it.each(['squares', 'crops'] as const)('answers the trainer\'s validation predictions for the %s', async (which) => {
    const expected = await validationPredictions(model, images[which], IMG, VAL_NMS);
    let total = 0;
    for (const { file, detections } of expected) {
      const { status, body } = await postImage(server.url, file, VAL_QUERY);
      expect(status).toBe(200);
      expect(body.version).toBe(task);
      expect(body.model).toBe('detector');
      expect(body.runtime).toBe('onnx');
      const meta = await (await import('sharp')).default(await readFile(file)).metadata();
      expect([body.images[0].width, body.images[0].height]).toEqual([meta.width, meta.height]);
      expectSameDetections(body.images[0].detections, detections, file);
      for (const d of body.images[0].detections) expect(d.class_name).toBe(NAMES[d.class_id]);
      total += detections.length;
    }
    expect(total).toBeGreaterThan(0);
  });

  it('gives the same answer for an image alone, in a batch of concurrent requests, in one multipart request and as JSON base64', async () => {
    const files = images.cropFiles;
    const query = '?conf=0.01&iou=0.5';
    const single: any[] = [];
    for (const f of files) single.push((await postImage(server.url, f, query)).body.images[0]);
    expect(single.every((r) => r.timings.batch_size === 1)).toBe(true);

    const concurrent = await Promise.all(files.map((f) => postImage(server.url, f, query)));
    const form = new FormData();
    for (const f of files) form.append('image', new Blob([await readFile(f)], { type: f.endsWith('.png') ? 'image/png' : 'image/jpeg' }), f);
    form.append('conf', '0.01');
    form.append('iou', '0.5');
    const multipart = await fetchJson(`${server.url}/v1/models/detector/predict`, { method: 'POST', body: form });
    const json = await fetchJson(`${server.url}/v1/models/detector/predict`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ conf: 0.01, iou: 0.5, images: await Promise.all(files.map(async (f, i) => {
        const b64 = (await readFile(f)).toString('base64');
        return i % 2 ? { data: b64 } : `data:image/jpeg;base64,${b64}`;
      })) }),
    });

    expect(multipart.images).toHaveLength(files.length);
    // The multipart request's images ran together in one forward pass.
    expect(multipart.images.map((r: any) => r.timings.batch_size)).toEqual(files.map(() => files.length));
    files.forEach((f, i) => {
      expect(concurrent[i].status).toBe(200);
      expectSameDetections(concurrent[i].body.images[0].detections, single[i].detections, `concurrent ${f}`);
      expectSameDetections(multipart.images[i].detections, single[i].detections, `multipart ${f}`);
      expectSameDetections(json.images[i].detections, single[i].detections, `json ${f}`);
      expect([multipart.images[i].width, multipart.images[i].height]).toEqual([single[i].width, single[i].height]);
    });
  });

  it('applies conf, max_det and agnostic', async () => {
    const f = images.files[0];
    const loose = (await postImage(server.url, f, '?conf=0.001&iou=0.9')).body.images[0].detections;
    const strict = (await postImage(server.url, f, '?conf=0.01&iou=0.9')).body.images[0].detections;
    const capped = (await postImage(server.url, f, '?conf=0.001&iou=0.9&max_det=3')).body.images[0].detections;
    const agnostic = (await postImage(server.url, f, '?conf=0.001&iou=0.9&agnostic=true')).body.images[0].detections;
    expect(loose.length).toBeGreaterThan(strict.length);
    expect(strict.every((d: any) => d.confidence > 0.01)).toBe(true);
    expect(capped).toEqual(loose.slice(0, 3));
    expect(agnostic.length).toBeLessThanOrEqual(loose.length);
  });

  it('serves another input size on request (exported on first use)', async () => {
    const { status, body } = await postImage(server.url, images.files[1], '?size=96&conf=0.001');
    expect(status).toBe(200);
    expect(body.input_size).toBe(96);
    const expected = await validationPredictions(model, images.squares, 96, { confThres: 0.001, iouThres: 0.45, maxDet: 300 });
    expectSameDetections(body.images[0].detections, expected[1].detections, 'size 96');
  });
});

describe('the other endpoints', () => {
  it('GET /v1/models lists the model, its classes, size, runtime, instances and version', async () => {
    const body = await fetchJson(`${server.url}/v1/models`);
    expect(body.models).toEqual([{
      name: 'detector', input_size: IMG, classes: NAMES, model: 'yolov5n', runtime: 'onnx', instances: serveLayout().instances,
      versions: [{ version: task, role: 'primary', traffic: 1 }],
    }]);
  });

  it('GET /health is ready', async () => {
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', models: ['detector'] });
  });

  it('GET /metrics counts requests by status, batch sizes, queue depth and the version served', async () => {
    await postImage(server.url, images.files[0]);
    await fetch(`${server.url}/v1/models/nope/predict`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: 'x' });
    const res = await fetch(`${server.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    const count = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
    expect(count(/hpo_serve_requests_total\{model="detector",route="\/v1\/models\/:name\/predict",status="200"\} (\d+)/)).toBeGreaterThan(10);
    expect(count(/hpo_serve_requests_total\{model="nope",route="\/v1\/models\/:name\/predict",status="404"\} (\d+)/)).toBe(1);
    expect(count(/hpo_serve_batch_size_count\{model="detector",version="[^"]+"\} (\d+)/)).toBeGreaterThan(0);
    expect(count(/hpo_serve_batch_size_bucket\{model="detector",version="[^"]+",le="1"\} (\d+)/))
      .toBeLessThan(count(/hpo_serve_batch_size_bucket\{model="detector",version="[^"]+",le="16"\} (\d+)/));
    expect(text).toMatch(/hpo_serve_request_duration_seconds_bucket\{model="detector",route="\/v1\/models\/:name\/predict",le="\+Inf"\} \d+/);
    expect(text).toContain('hpo_serve_queue_depth{model="detector"} 0');
    expect(text).toContain(`hpo_serve_model_version{model="detector",version="${task}",role="primary",traffic="1"} 1`);
  });
});

/**
 * Every bad input gets its status and a message that says what is wrong, over real HTTP: 413 for
 * a body past the limit, 415 for an unsupported type, 400 for undecodable or truncated images
 * (the decoder's reason), bad options and empty bodies, 404 for unknown models, 503 with
 * Retry-After at the concurrency limit, 504 past the request timeout. The server keeps serving.
 */
import { request } from 'node:http';
import { readFile, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskStore } from '../../src/core/index.ts';
import type { RunningServer } from '../../src/serve/server.ts';
import { postImage, serve, servingImages, storeWithTasks } from './fixtures.ts';

let store: TaskStore;
let dir: string;
let task: string;
let server: RunningServer;
let jpeg: string;
const LIMIT = 64 * 1024;

beforeAll(async () => {
  const fx = await storeWithTasks([1]);
  ({ store, dir } = fx);
  task = fx.tasks[0];
  fx.models[0].dispose();
  jpeg = (await servingImages(dir, 2)).files[0];
  server = await serve(store, dir, task, { bodyLimit: LIMIT, maxImages: 3 });
});

afterAll(async () => {
  await server?.close();
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function post(body: RequestInit['body'], type: string | undefined, path = '/v1/models/detector/predict'): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: type ? { 'content-type': type } : {}, body });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

describe('bad input', () => {
  it('413 for a body over the limit', async () => {
    const r = await post(new Uint8Array(LIMIT + 1), 'image/jpeg');
    expect(r.status).toBe(413);
    expect(r.body.error.message).toMatch(/body/i);
  });

  it('415 for an unsupported content type', async () => {
    const r = await post('hello', 'text/plain');
    expect(r.status).toBe(415);
    expect(r.body.error.message).toMatch(/text\/plain/);
  });

  it('400 with the decoder\'s reason for bytes that are no image', async () => {
    const r = await post(new TextEncoder().encode('definitely not a jpeg'), 'image/jpeg');
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('SERVE_IMAGE_UNDECODABLE');
    expect(r.body.error.message).toMatch(/image 0 cannot be decoded: .*unsupported image format/);
  });

  it('400 for a truncated JPEG', async () => {
    const bytes = await readFile(jpeg);
    const r = await post(bytes.subarray(0, Math.floor(bytes.length / 2)), 'image/jpeg');
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/image 0 cannot be decoded: .+/);
  });

  it('400 naming the option and the value for bad options', async () => {
    const r = await postImage(server.url, jpeg, '?conf=2');
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/predict options/);
    expect(r.body.error.message).toMatch(/conf/);
    expect(r.body.error.message).toMatch(/received "2"|received 2/);
    const size = await postImage(server.url, jpeg, '?size=100');
    expect(size.status).toBe(400);
    expect(size.body.error.message).toMatch(/multiple of 32/);
    const unknown = await postImage(server.url, jpeg, '?confidence=0.5');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/unknown key "confidence"/);
  });

  it('400 for an empty body, bad base64 and too many images', async () => {
    expect((await post(new Uint8Array(0), 'image/png')).status).toBe(400);
    const noType = await post(new Uint8Array(0), undefined);
    expect(noType.status).toBe(400);
    expect(noType.body.error.message).toMatch(/no image/);
    const b64 = await post(JSON.stringify({ images: ['***'] }), 'application/json');
    expect(b64.status).toBe(400);
    expect(b64.body.error.message).toMatch(/not base64/);
    const none = await post(JSON.stringify({ images: [] }), 'application/json');
    expect(none.status).toBe(400);
    const bytes = (await readFile(jpeg)).toString('base64');
    const many = await post(JSON.stringify({ images: [bytes, bytes, bytes, bytes] }), 'application/json');
    expect(many.status).toBe(400);
    expect(many.body.error.message).toMatch(/at most 3/);
    const broken = await post('{"images": [', 'application/json');
    expect(broken.status).toBe(400);
  });

  it('404 for an unknown model or route, 400/404 for bad version requests', async () => {
    const r = await post(await readFile(jpeg), 'image/jpeg', '/v1/models/other/predict');
    expect(r.status).toBe(404);
    expect(r.body.error.message).toMatch(/no model named "other" \(served: detector\)/);
    expect((await fetch(`${server.url}/v2/anything`)).status).toBe(404);
    const v = await post(JSON.stringify({ task: 'no-such-task', traffic: 0.5 }), 'application/json', '/v1/models/detector/versions');
    expect(v.status).toBe(404);
    expect(v.body.error.message).toMatch(/no-such-task/);
    const t = await post(JSON.stringify({ task, traffic: 2 }), 'application/json', '/v1/models/detector/versions');
    expect(t.status).toBe(400);
    expect(t.body.error.message).toMatch(/traffic/);
    const p = await post(JSON.stringify({}), 'application/json', '/v1/models/detector/promote');
    expect(p.status).toBe(409);
  });

  it('still serves after all of that', async () => {
    const r = await postImage(server.url, jpeg);
    expect(r.status).toBe(200);
    expect(r.body.version).toBe(task);
  });
});

describe('limits', () => {
  it('503 with Retry-After while the in-flight limit is taken, and 200 again after', async () => {
    const limited = await serve(store, dir, task, { maxInFlight: 1 });
    try {
      const bytes = await readFile(jpeg);
      // A request whose body is still being uploaded holds the only slot.
      const port = new URL(limited.url).port;
      const held = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/models/detector/predict', headers: { 'content-type': 'image/jpeg', 'content-length': bytes.length } });
      const heldAnswer = new Promise<number>((resolve, reject) => {
        held.on('response', (res) => { res.resume(); resolve(res.statusCode ?? 0); });
        held.on('error', reject);
      });
      held.write(bytes.subarray(0, 10));
      await until(() => limited.state.inFlight === 1);
      const busy = await postImage(limited.url, jpeg);
      expect(busy.status).toBe(503);
      expect(busy.headers.get('retry-after')).toBe('1');
      expect(busy.body.error.code).toBe('SERVE_BUSY');
      held.end(bytes.subarray(10));
      expect(await heldAnswer).toBe(200);
      await until(() => limited.state.inFlight === 0);
      expect((await postImage(limited.url, jpeg)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('504 for a request not answered within the timeout, counted from its arrival', async () => {
    const TIMEOUT = 100;
    const slow = await serve(store, dir, task, { requestTimeoutMs: TIMEOUT });
    try {
      const bytes = await readFile(jpeg);
      // The body arrives after the limit has passed: the upload counts against it, so the answer is
      // 504 however fast the forward would be.
      const port = new URL(slow.url).port;
      const held = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/models/detector/predict', headers: { 'content-type': 'image/jpeg', 'content-length': bytes.length } });
      const answer = new Promise<{ status: number; body: any }>((resolve, reject) => {
        held.on('response', (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (c) => { text += c; }).on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        });
        held.on('error', reject);
      });
      held.write(bytes.subarray(0, 10));
      await until(() => slow.state.inFlight === 1);
      await new Promise((r) => setTimeout(r, TIMEOUT * 2));
      held.end(bytes.subarray(10));
      const r = await answer;
      expect(r.status).toBe(504);
      expect(r.body.error.code).toBe('SERVE_TIMEOUT');
      expect(r.body.error.message).toMatch(/within 100 ms/);
      // The late request gives its in-flight slot back.
      await until(() => slow.state.inFlight === 0);
    } finally {
      await slow.close();
    }
  });
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

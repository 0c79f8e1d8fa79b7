/**
 * `hpo export` and `hpo serve` as real processes on a real study: export a study's best completed
 * trial to an ONNX file ONNX Runtime loads; serve another trial with `--follow`, which switches to
 * the study's best; SIGTERM drains: the request in flight is answered, then the process exits 0.
 */
import { spawn, spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOnnxMetadata } from '../../src/serve/onnx/graph-builder.ts';
import { openStore } from '../../src/store/index.ts';
import { encodeCheckpoint } from '../../src/trainers/yolov5/train/checkpoint.ts';
import { BIN, tempDir, writeConfig, writeTemplate } from '../helpers/temp.ts';
import { artifactsOf, fetchJson, IMG, NAMES, servingImages } from './fixtures.ts';
import { saveTaskArtifact } from '../../src/artifacts/index.ts';
import { randomModel } from './random-model.ts';

let dir: string;
let cleanup: () => Promise<void>;
let controllerId: string;
let best: string;
let other: string;
let jpeg: string;

function hpo(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, HPO_HOME: path.join(dir, '.hpo') }, timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('hpo-serve-cli-'));
  await writeTemplate(dir);
  await writeConfig(dir, { space: { 'hyp/lr0': { type: 'float', low: 1e-4, high: 0.1, log: true } }, budget: { maxTrials: 2, concurrency: 1 }, seed: 1 });
  const train = hpo(['train', 'template.ts']);
  expect(train.code, train.stderr).toBe(0);
  const run = hpo(['run', '--template', train.stdout.trim(), '--json']);
  expect(run.code, run.stderr).toBe(0);
  const board = JSON.parse(run.stdout);
  controllerId = board.controllerId;
  [best, other] = board.rows.map((r: { taskId: string }) => r.taskId);
  // The trials ran the function trainer; give them YOLOv5 checkpoints, as yolov5 trials would have.
  const store = await openStore(path.join(dir, '.hpo'));
  const artifacts = artifactsOf(path.join(dir, '.hpo')); // where `hpo` looks by default
  for (const [i, id] of [best, other].entries()) {
    const model = await randomModel('n', NAMES.length, i + 1);
    await saveTaskArtifact(store, artifacts.primary, id, 'best.bin', encodeCheckpoint({
      epoch: 0, bestFitness: 0, emaUpdates: 0, model: { size: 'n', nc: NAMES.length, imgSize: IMG, names: NAMES },
      weights: model.serialize(), createdAt: new Date().toISOString(),
    }));
    model.dispose();
  }
  await store.close();
  jpeg = (await servingImages(dir, 2)).files[0];
}, 300_000);

afterAll(() => cleanup?.());

describe('hpo export', () => {
  it("writes the study's best completed trial as an ONNX file that ONNX Runtime runs", async () => {
    const out = path.join(dir, 'best.onnx');
    const r = hpo(['export', controllerId, '--format', 'onnx', '--out', out, '--size', '96', '--dynamic-batch']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(out);
    const bytes = await readFile(out);
    expect(readOnnxMetadata(bytes)).toMatchObject({ hpo_task: best, stride: '32', imgsz: '[96, 96]', names: "{0: 'circle', 1: 'square', 2: 'triangle'}" });
    const session = await ort.InferenceSession.create(bytes);
    const x = new ort.Tensor('float32', new Float32Array(2 * 3 * 96 * 96).fill(0.5), [2, 3, 96, 96]);
    const y = (await session.run({ images: x })).output0;
    expect(y.dims).toEqual([2, 3 * (12 * 12 + 6 * 6 + 3 * 3), 8]);
    await session.release();
  });

  it('refuses another format, naming the flag', () => {
    const r = hpo(['export', best, '--format', 'tflite']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--format must be onnx/);
  });
});

describe('hpo serve', () => {
  it('follows the study to its best trial, and drains on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', other, '--port', '0', '--follow', controllerId, '--follow-interval-ms', '300', '--cache-dir', path.join(dir, 'cache'), '--threads', '1', '--instances', '1'],
      { cwd: dir, env: { ...process.env, HPO_HOME: path.join(dir, '.hpo') }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await waitFor(() => /at (http:\/\/127\.0\.0\.1:\d+)\//.exec(stderr)?.[1], () => stderr);
      expect(stderr).toContain(`serving detector version ${other}`);
      // --follow switches to the study's best completed trial.
      await waitFor(async () => {
        const models = await fetchJson(`${url}/v1/models`);
        return models.models[0].versions[0].version === best ? true : undefined;
      }, () => stderr);
      expect((await fetchJson(`${url}/v1/models`)).models[0], 'the layout --instances asked for').toMatchObject({ runtime: 'onnx', instances: 1 });
      const bytes = await readFile(jpeg);
      const answer = await fetch(`${url}/v1/models/detector/predict`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: bytes });
      expect(((await answer.json()) as { version: string }).version).toBe(best);

      // A request in flight (its body half sent) when SIGTERM arrives is still answered.
      const held = request(`${url}/v1/models/detector/predict`, { method: 'POST', headers: { 'content-type': 'image/jpeg', 'content-length': bytes.length } });
      const heldAnswer = new Promise<{ status: number; body: string }>((resolve, reject) => {
        held.on('response', (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        held.on('error', reject);
      });
      held.write(bytes.subarray(0, 100));
      await waitFor(async () => (/hpo_serve_requests_in_flight 1/.test(await (await fetch(`${url}/metrics`)).text()) ? true : undefined), () => stderr);
      child.kill('SIGTERM');
      await waitFor(() => (stderr.includes('SIGTERM: draining (1 requests in flight)') ? true : undefined), () => stderr);
      // Draining: a new request is refused (503 on a kept-alive connection, or no connection at all).
      const during = await fetch(`${url}/health`).then((r) => r.status, () => 'refused');
      expect([503, 'refused']).toContain(during);
      held.end(bytes.subarray(100));
      const drained = await heldAnswer;
      expect(drained.status).toBe(200);
      expect(JSON.parse(drained.body).version).toBe(best);
      expect(await exited).toBe(0);
      expect(stderr).toContain('stopped');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, context: () => string, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await Promise.resolve(probe()).catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting; stderr so far:\n${context()}`);
}

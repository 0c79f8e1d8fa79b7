/**
 * Cost of the YOLOv5 loss per training step: forward + backward of computeLoss w.r.t. the three
 * head outputs at batch 16, 128 px (grids 16, 8, 4), 3 and 80 classes, about 5 targets per image.
 * Also times decode + NMS + evaluateDetections for one validation batch (random logits: a worst
 * case for NMS, since nearly every box passes conf 0.001).
 * Usage: node --import tsx bench/loss.ts [wasm|cpu] [iterations]
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/trainers/yolov5/backend.ts';
import { computeLoss } from '../src/trainers/yolov5/loss/loss.ts';
import { decodeToArray } from '../src/trainers/yolov5/metrics/decode.ts';
import { nonMaxSuppressionBatch } from '../src/trainers/yolov5/metrics/nms.ts';
import { evaluateDetections } from '../src/trainers/yolov5/metrics/metrics.ts';
import { DEFAULT_ANCHORS, DEFAULT_HYP, STRIDES, type GroundTruth } from '../src/trainers/yolov5/types.ts';

const backend = (process.argv[2] ?? 'wasm') as 'wasm' | 'cpu';
const iterations = Number(process.argv[3] ?? 20);
const batch = 16;
const imgSize = 128;

function randomCase(nc: number, seed: number) {
  let s = seed;
  const rand = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const preds = STRIDES.map((stride) => {
    const g = imgSize / stride;
    return tf.tensor(Float32Array.from({ length: batch * g * g * 3 * (5 + nc) }, () => (rand() - 0.5) * 4),
      [batch, g, g, 3, 5 + nc]);
  });
  const rows: number[] = [];
  for (let b = 0; b < batch; b++) {
    for (let k = 0; k < 5; k++) {
      rows.push(b, Math.floor(rand() * nc), 0.1 + 0.8 * rand(), 0.1 + 0.8 * rand(), 0.05 + 0.4 * rand(), 0.05 + 0.4 * rand());
    }
  }
  return { preds, targets: Float32Array.from(rows) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median wall ms and mean process CPU ms per call (CPU time stays honest on a busy machine). */
function measure(fn: () => void, n: number): string {
  const wall: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    wall.push(performance.now() - t0);
  }
  const c = process.cpuUsage(c0);
  return `${median(wall).toFixed(2)} ms wall (median), ${((c.user + c.system) / 1000 / n).toFixed(2)} ms CPU (mean)`;
}

async function main() {
  const name = await initBackend(backend);
  console.log(`backend ${name}, batch ${batch}, ${imgSize} px, ${iterations} iterations`);
  for (const nc of [3, 80]) {
    const { preds, targets } = randomCase(nc, 42 + nc);
    const opts = { nc, imgSize, anchors: DEFAULT_ANCHORS, strides: STRIDES, hyp: DEFAULT_HYP, labelSmoothing: 0 };
    const step = () => tf.tidy(() => {
      const g = tf.grads((...p: tf.Tensor[]) => computeLoss(p, targets, opts).loss);
      g(preds).forEach((t) => t.dataSync());
    });
    const forward = () => tf.tidy(() => computeLoss(preds, targets, opts).loss.dataSync());
    for (let i = 0; i < 3; i++) step();
    console.log(`nc=${nc}: loss forward: ${measure(forward, iterations)}`);
    console.log(`nc=${nc}: loss forward+backward: ${measure(step, iterations)}`);

    // Validation side: decode, NMS at conf 0.001, and metrics for one batch.
    const truths: GroundTruth[] = [];
    for (let r = 0; r < targets.length; r += 6) {
      const [cx, cy, w, h] = [targets[r + 2], targets[r + 3], targets[r + 4], targets[r + 5]].map((v) => v * imgSize);
      truths.push({ image: targets[r], cls: targets[r + 1], box: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2] });
    }
    let decoded = decodeToArray(preds, DEFAULT_ANCHORS, STRIDES);
    let dets = nonMaxSuppressionBatch(decoded, { confThres: 0.001, iouThres: 0.6, maxDet: 300 }).flat();
    let m = evaluateDetections(dets, truths, nc);
    const reps = Math.max(1, Math.floor(iterations / 4));
    console.log(`nc=${nc}: decode ${measure(() => void (decoded = decodeToArray(preds, DEFAULT_ANCHORS, STRIDES)), reps)}`);
    console.log(`nc=${nc}: NMS of ${batch} images ${measure(() => void (dets = nonMaxSuppressionBatch(decoded, {}).flat()), reps)}` +
      ` (${dets.length} detections)`);
    console.log(`nc=${nc}: metrics ${measure(() => void (m = evaluateDetections(dets, truths, nc)), reps)}` +
      ` (mAP50 ${m.map50.toFixed(4)} on random logits)`);
    tf.dispose(preds);
  }
  console.log(`tensors alive at end: ${tf.memory().numTensors}`);
}

await main();

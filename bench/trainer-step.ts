/**
 * Isolated forward + backward step of yolov5n at 128 px, batch 16, on the default backend
 * (`node --import tsx bench/trainer-step.ts [--size n] [--img 128] [--batch 16] [--steps 5]
 * [--impl fused|reference] [--profile]`). The loss is a stand-in (mean of squared outputs): this
 * bench measures the model's forward and gradient speed, not the YOLOv5 loss. Prints forward ms,
 * forward+backward ms, images/s and peak RSS; `--profile` adds per-kernel times of one step.
 * The machine's second core is shared, so run it 2-3 times and quote the best.
 */
import * as tf from '@tensorflow/tfjs-core';
import { parseArgs } from 'node:util';
import { createYoloModel, initBackend, type ConvImpl, type YoloSize } from '../src/trainers/yolov5/model/index.ts';

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: 'n' }, img: { type: 'string', default: '128' },
    batch: { type: 'string', default: '16' }, steps: { type: 'string', default: '5' },
    impl: { type: 'string', default: 'fused' }, profile: { type: 'boolean', default: false },
  },
});
const img = Number(args.img);
const batch = Number(args.batch);
const steps = Number(args.steps);

let peakRss = 0;
const sampleRss = () => { peakRss = Math.max(peakRss, process.memoryUsage.rss()); };
const rssTimer = setInterval(sampleRss, 20);

const backend = await initBackend();
const model = createYoloModel({ size: args.size as YoloSize, nc: 80, seed: 0, impl: args.impl as ConvImpl });
const g = model.trainableVariables();
const vars = [...g.weights, ...g.bnWeights, ...g.biases];
const x = tf.randomUniform([batch, img, img, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
const loss = (outs: tf.Tensor[]) => tf.addN(outs.map((o) => tf.mean(tf.square(o)))) as tf.Scalar;

// Wall time is what users get; process CPU time shows the step's cost on an idle core when
// other processes share this one (single-threaded backend: CPU time <= wall time).
const cpuTimes: number[] = [];
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function forward(): number {
  const t0 = performance.now();
  const l = tf.tidy(() => loss(model.forward(x, true)));
  l.dataSync();
  l.dispose();
  return performance.now() - t0;
}
function step(): number {
  const t0 = performance.now();
  const c0 = cpuMs();
  const { value, grads } = tf.variableGrads(() => loss(model.forward(x, true)), vars);
  value.dataSync();
  const all = Object.values(grads);
  all[all.length - 1].dataSync();
  tf.dispose([value, ...all]);
  sampleRss();
  cpuTimes.push(cpuMs() - c0);
  return performance.now() - t0;
}

forward();
step(); // warm-up: XNNPACK operator creation, JIT
const fwd = Array.from({ length: steps }, forward);
cpuTimes.length = 0;
const full = Array.from({ length: steps }, step);
const best = (a: number[]) => Math.min(...a);
const median = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
clearInterval(rssTimer);
sampleRss();
console.log(`backend ${backend}, yolov5${args.size}, ${img}px, batch ${batch}, impl ${args.impl}, ${model.paramCount()} params`);
console.log(`forward (train mode): best ${best(fwd).toFixed(0)} ms, median ${median(fwd).toFixed(0)} ms`);
console.log(`forward+backward:     best ${best(full).toFixed(0)} ms, median ${median(full).toFixed(0)} ms`);
console.log(`throughput:           ${(batch * 1000 / best(full)).toFixed(1)} img/s best, ${(batch * 1000 / median(full)).toFixed(1)} img/s median`);
console.log(`forward+backward CPU: best ${best(cpuTimes).toFixed(0)} ms -> ${(batch * 1000 / best(cpuTimes)).toFixed(1)} img/s on an unshared core`);
console.log(`peak RSS:             ${(peakRss / 2 ** 20).toFixed(0)} MiB; tensors after: ${tf.memory().numTensors}`);

if (args.profile) {
  const info = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(() => loss(model.forward(x, true)), vars);
    tf.dispose([value, ...Object.values(grads)]);
  });
  const byKernel = new Map<string, { ms: number; n: number }>();
  for (const k of info.kernels) {
    const e = byKernel.get(k.name) ?? { ms: 0, n: 0 };
    e.ms += Number(k.kernelTimeMs) || 0;
    e.n += 1;
    byKernel.set(k.name, e);
  }
  const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
  console.log('per-kernel time of one step (ms, calls):');
  for (const [name, e] of rows.slice(0, 25)) console.log(`  ${name.padEnd(28)} ${e.ms.toFixed(1).padStart(8)} ${String(e.n).padStart(5)}`);
}

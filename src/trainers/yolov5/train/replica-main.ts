/**
 * Worker thread entry of {@link startReplica}: a copy of the run's model on its own TF.js backend
 * (WebAssembly, like the trial's thread), which runs the forward and backward pass of the shares of
 * batches it is sent and sums their gradients until the trial's thread takes them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend.ts';
import { computeLoss } from '../loss/loss.ts';
import { createYoloModel } from '../model/index.ts';
import { optimizerOrder, type FromReplica, type ReplicaSetup, type ToReplica } from './replica.ts';

const port = parentPort!;
const setup = workerData as ReplicaSetup;

async function main(): Promise<void> {
  await initBackend(setup.backend);
  const model = createYoloModel({ size: setup.size, nc: setup.nc, blank: true });
  const vars = optimizerOrder(model);
  let sums: (Float32Array | null)[] = vars.map(() => null);

  port.on('message', (m: ToReplica) => {
    if (m.type === 'weights') {
      tf.tidy(() => vars.forEach((v, i) => v.assign(tf.tensor(m.values[i], v.shape))));
    } else if (m.type === 'reset') {
      sums = vars.map(() => null);
    } else if (m.type === 'take') {
      const grads = sums;
      sums = vars.map(() => null);
      port.postMessage({ type: 'grads', grads } satisfies FromReplica, grads.flatMap((g) => (g ? [g.buffer as ArrayBuffer] : [])));
    } else {
      let reply: FromReplica;
      try {
        const x = tf.tensor4d(m.images, [m.batchSize, m.imgSize, m.imgSize, 3]);
        let parts: [number, number, number] = [0, 0, 0];
        const { value, grads } = tf.variableGrads(() => {
          const l = computeLoss(model.forward(x, true), m.targets, setup.loss);
          parts = [l.values.box, l.values.obj, l.values.cls];
          return l.loss;
        }, vars);
        x.dispose();
        const total = value.dataSync()[0];
        value.dispose();
        vars.forEach((v, i) => {
          const g = grads[v.name];
          if (!g) return;
          const data = g.dataSync() as Float32Array;
          const sum = sums[i];
          if (sum) for (let k = 0; k < sum.length; k++) sum[k] += data[k];
          else sums[i] = Float32Array.from(data);
        });
        for (const g of Object.values(grads)) g.dispose();
        reply = { type: 'stepped', total, parts };
      } catch (error) {
        reply = { type: 'error', message: (error as Error).message };
      }
      port.postMessage(reply);
    }
  });
  port.postMessage({ type: 'ready' } satisfies FromReplica);
}

main().catch((error: unknown) => port.postMessage({ type: 'error', message: (error as Error).message } satisfies FromReplica));

/**
 * Worker thread entry of {@link startBatchThread}: rebuilds the image set it is given (own decode
 * cache) and answers build requests with batches, their buffers transferred, not copied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { BatchThreadData, BuildRequest, FromBatchThread } from './batch-thread.ts';
import { imageLoader, type ImageSet } from './image-set.ts';
import { buildBatch } from './loader.ts';

const data = workerData as BatchThreadData;
const port = parentPort!;
const set: ImageSet = {
  source: 'batch thread', nc: data.nc, files: data.files, labels: data.labels, shapes: data.shapes,
  warnings: [], backgrounds: 0, load: imageLoader(data.files, data.shapes),
};

port.on('message', async (r: BuildRequest) => {
  let reply: FromBatchThread;
  try {
    reply = { type: 'batch', id: r.id, batch: await buildBatch(set, r.indices, r.start, r.opts) };
  } catch (error) {
    reply = { type: 'error', id: r.id, name: (error as Error).name, message: (error as Error).message };
  }
  const transfer = reply.type === 'batch' ? [reply.batch.images.buffer, reply.batch.targets.buffer] : [];
  port.postMessage(reply, transfer as ArrayBuffer[]);
});
port.postMessage({ type: 'ready' } satisfies FromBatchThread);

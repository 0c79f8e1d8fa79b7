/**
 * Worker thread entry of {@link startBatchThread}: rebuilds the image set it is sent (own decode
 * cache) and answers build requests with batches, their buffers transferred, not copied.
 */
import { parentPort } from 'node:worker_threads';
import type { FromBatchThread, ToBatchThread } from './batch-thread.ts';
import { imageLoader, type ImageSet } from './image-set.ts';
import { buildBatch } from './build-batch.ts';
import { loadSharp } from './load-sharp.ts';
import { warmUpBatchCode } from './warm-up.ts';

const port = parentPort!;
let set: ImageSet | undefined;

port.on('message', async (m: ToBatchThread) => {
  if (m.type === 'open') {
    const { files, labels, shapes, nc } = m.set;
    set = { source: 'batch thread', nc, files, labels, shapes, warnings: [], backgrounds: 0, load: imageLoader(files, shapes) };
    return;
  }
  let reply: FromBatchThread;
  try {
    // Messages arrive in order and the parent opens before it builds.
    reply = { type: 'batch', id: m.id, batch: await buildBatch(set!, m.indices, m.start, m.opts) };
  } catch (error) {
    reply = { type: 'error', id: m.id, name: (error as Error).name, message: (error as Error).message };
  }
  const transfer = reply.type === 'batch' ? [reply.batch.images.buffer, reply.batch.targets.buffer] : [];
  port.postMessage(reply, transfer as ArrayBuffer[]);
});
// This thread exists to decode: sharp loads with it (not at its first batch), and `ready` means
// loaded; then it warms the batch code while the trainer reads its image set.
await loadSharp();
port.postMessage({ type: 'ready' } satisfies FromBatchThread);
// A warm-up that fails costs only its saving, never the thread.
await warmUpBatchCode().catch(() => {});

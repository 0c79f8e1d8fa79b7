import path from 'node:path';
import { initInferenceBackend } from '../src/serve/model-source.ts';
import { openStore } from '../src/store/index.ts';
import { FolderArtifactStore, saveTaskArtifact } from '../src/artifacts/index.ts';
import { encodeCheckpoint, decodeCheckpoint } from '../src/trainers/yolov5/train/checkpoint.ts';
import { createYoloModel } from '../src/trainers/yolov5/model/index.ts';

/** A training task in the file store at `storeDir` with a seeded yolov5n best.bin (3 classes): what the serve benches serve. */
export async function makeServeTask(storeDir: string): Promise<{ task: string; ckpt: ReturnType<typeof decodeCheckpoint> }> {
  await initInferenceBackend();
  const model = createYoloModel({ size: 'n', nc: 3, seed: 0 });
  const store = await openStore(storeDir);
  const task = await store.create({ name: 'bench', project: 'bench', type: 'training', trainer: { type: 'yolov5' }, params: {} });
  const bytes = encodeCheckpoint({ epoch: 0, bestFitness: 0, emaUpdates: 0, model: { size: 'n', nc: 3, imgSize: 128, names: ['circle', 'square', 'triangle'] }, weights: model.serialize(), createdAt: new Date().toISOString() });
  await saveTaskArtifact(store, new FolderArtifactStore(path.join(storeDir, 'artifacts')), task.id, 'best.bin', bytes);
  await store.close();
  model.dispose();
  return { task: task.id, ckpt: decodeCheckpoint(bytes, 'bench') };
}

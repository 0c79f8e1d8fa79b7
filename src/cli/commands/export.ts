import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { parseOrThrow } from '../../core/index.ts';
import { logLine, openCliArtifacts, openCliStore, type GlobalOptions } from '../context.ts';

const flagsSchema = z.looseObject({
  format: z.literal('onnx', { message: '--format must be onnx (the only export format)' }),
  out: z.string().min(1).optional(),
  size: z.coerce.number({ message: '--size must be a number' }).int({ message: '--size must be an integer' })
    .refine((v) => v >= 32 && v % 32 === 0, { message: '--size must be a multiple of 32 (at least 32)' }).optional(),
  dynamicBatch: z.boolean().optional(),
});

/**
 * `hpo export <task-id | controller-id> --format onnx`: writes the task's best.bin (a study's best
 * completed trial's) as an ONNX file; prints its path.
 */
export async function exportCommand(id: string, options: Record<string, unknown>, globals: GlobalOptions): Promise<void> {
  const flags = parseOrThrow(flagsSchema, options, 'flags');
  const { store, storeSpec } = await openCliStore(globals);
  const artifacts = await openCliArtifacts(globals, storeSpec);
  try {
    const { modelFromCheckpoint, readTaskCheckpoint, resolveTrainingTask } = await import('../../serve/model-source.ts');
    const { exportOnnx } = await import('../../serve/onnx/export.ts');
    const taskId = await resolveTrainingTask(store, id);
    const ckpt = await readTaskCheckpoint(store, artifacts, taskId);
    const { model, info } = await modelFromCheckpoint(ckpt, taskId);
    const size = flags.size ?? ckpt.model.imgSize;
    const bytes = exportOnnx(model, { size, dynamicBatch: flags.dynamicBatch ?? false, names: info.names, taskId });
    model.dispose();
    const out = path.resolve(flags.out ?? `${taskId}.onnx`);
    await writeFile(out, bytes);
    logLine(globals, 'info', `task ${taskId}: yolov5${info.size} (${info.nc} classes) exported at ${size} px, ${flags.dynamicBatch ? 'dynamic' : 'fixed'} batch, ${(bytes.length / 1e6).toFixed(1)} MB`);
    process.stdout.write(`${out}\n`);
  } finally {
    await store.close();
  }
}

/**
 * The exported ONNX graph, run by ONNX Runtime, against the trainer's own TF.js forward pass
 * (eval mode, decoded): same raw outputs and same detections after NMS, for yolov5n and yolov5s,
 * with every weight and BatchNorm statistic randomized so folding and each layer matter.
 */
import { describe, expect, it } from 'vitest';
import { modelProto } from '../../src/serve/onnx/onnx-schema.ts';
import { exportOnnx, readExportMeta } from '../../src/serve/onnx/export.ts';
import { createOnnxRuntime } from '../../src/serve/runtime/onnx-runtime.ts';
import { createTfjsRuntime } from '../../src/serve/runtime/tfjs-runtime.ts';
import { nonMaxSuppression } from '../../src/trainers/yolov5/metrics/nms.ts';
import { randomModel } from './random-model.ts';
import { sceneBatch } from './scenes.ts';

const NAMES = ['circle', "o'clock", 'triangle'];

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * A confidence threshold in a gap of the reference's scores (obj * best class), a few dozen
 * boxes down: random weights put many scores close together, and a threshold within float
 * noise of a score would make the comparison about rounding, not about the graph.
 */
function gapThreshold(rows: Float32Array): number {
  const conf: number[] = [];
  for (let r = 0; r < rows.length; r += 8) conf.push(rows[r + 4] * Math.max(rows[r + 5], rows[r + 6], rows[r + 7]));
  conf.sort((a, b) => b - a);
  for (let i = 30; i < conf.length - 1; i++) if (conf[i] - conf[i + 1] > 1e-4) return (conf[i] + conf[i + 1]) / 2;
  throw new Error('no gap in the scores');
}

describe.each([['n', 96], ['s', 64]] as const)('yolov5%s exported to ONNX at %i px', (letter, size) => {
  it('gives the TF.js forward pass\'s outputs and detections', async () => {
    const model = await randomModel(letter, 3, letter === 'n' ? 1 : 2);
    const bytes = exportOnnx(model, { size, dynamicBatch: true, names: NAMES, taskId: 'task-1' });
    const onnx = await createOnnxRuntime(bytes, { threads: 1 });
    const tfjs = createTfjsRuntime(model, size);
    const n = 3;
    const x = sceneBatch(`input-${letter}`, n, size);
    const a = await onnx.run(x, n);
    const b = await tfjs.run(x, n);
    const rows = 3 * ((size / 8) ** 2 + (size / 16) ** 2 + (size / 32) ** 2);
    expect(a.rows).toBe(rows);
    expect(a.data.length).toBe(n * rows * 8);
    expect(maxAbsDiff(a.data, b.data)).toBeLessThan(1e-3);

    // Dynamic batch: one image alone gives the rows it got inside the batch.
    const single = await onnx.run(x.subarray(3 * size * size, 6 * size * size), 1);
    expect(maxAbsDiff(single.data, a.data.subarray(rows * 8, 2 * rows * 8))).toBeLessThan(1e-4);

    for (let img = 0; img < n; img++) {
      const slice = (d: Float32Array) => d.subarray(img * rows * 8, (img + 1) * rows * 8);
      const opts = { nc: 3, confThres: gapThreshold(slice(b.data)), iouThres: 0.45, maxDet: 300 };
      const da = nonMaxSuppression(slice(a.data), opts);
      const db = nonMaxSuppression(slice(b.data), opts);
      expect(da.length).toBeGreaterThan(0);
      expect(da.length).toBe(db.length);
      // As sets: rows with equal scores (neighbouring cells of random weights) may come out in either order.
      const unmatched = [...db];
      for (const d of da) {
        const k = unmatched.findIndex((e) => e.cls === d.cls && Math.abs(e.conf - d.conf) < 1e-4 && e.box.every((v, j) => Math.abs(v - d.box[j]) < 1e-2));
        expect(k, `ONNX detection ${JSON.stringify(d)} has no TF.js twin`).toBeGreaterThanOrEqual(0);
        unmatched.splice(k, 1);
      }
    }
    await onnx.dispose();
    model.dispose();
  });
});

describe('the exported file', () => {
  it('is an opset-12 graph of YOLOv5 export ops with BatchNorm folded and YOLOv5 metadata', async () => {
    const model = await randomModel('n', 3);
    const bytes = exportOnnx(model, { size: 64, dynamicBatch: false, names: NAMES, taskId: 'task-9' });
    model.dispose();
    const decoded = modelProto().toObject(modelProto().decode(bytes), { longs: Number }) as {
      ir_version: number; opset_import: { version: number }[];
      graph: { node: { op_type: string }[]; input: { name: string; type: { tensor_type: { shape: { dim: { dim_value?: number }[] } } } }[]; output: { name: string }[] };
      metadata_props: { key: string; value: string }[];
    };
    expect(decoded.opset_import[0].version).toBe(12);
    const ops = new Set(decoded.graph.node.map((n) => n.op_type));
    for (const op of ['Conv', 'Sigmoid', 'Mul', 'Add', 'Concat', 'Resize', 'MaxPool', 'Reshape', 'Transpose', 'Slice']) expect(ops).toContain(op);
    expect(ops).not.toContain('BatchNormalization');
    expect(decoded.graph.input[0].name).toBe('images');
    expect(decoded.graph.input[0].type.tensor_type.shape.dim.map((d) => d.dim_value)).toEqual([1, 3, 64, 64]);
    expect(decoded.graph.output[0].name).toBe('output0');
    const meta = Object.fromEntries(decoded.metadata_props.map((p) => [p.key, p.value]));
    expect(meta.stride).toBe('32');
    expect(meta.names).toBe("{0: 'circle', 1: 'o\\'clock', 2: 'triangle'}");
    expect(readExportMeta(bytes)).toEqual({ size: 64, names: NAMES, stride: 32, taskId: 'task-9' });
    // A fixed-batch export runs in ONNX Runtime and takes one image at a time.
    const rt = await createOnnxRuntime(bytes, { threads: 1 });
    expect(rt.maxBatch).toBe(1);
    await rt.dispose();
  });

  it('refuses a size that is not a multiple of 32, naming it', async () => {
    const model = await randomModel('n', 3);
    expect(() => exportOnnx(model, { size: 100, dynamicBatch: false, names: NAMES })).toThrow(/multiple of 32.*got 100/);
    model.dispose();
  });
});

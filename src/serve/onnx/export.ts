/**
 * `exportOnnx`: a YOLOv5 model as ONNX model bytes, with YOLOv5 export.py's metadata (`stride`,
 * `names` as a Python dict literal) plus `imgsz` and hpo's own keys, so YOLOv5/Ultralytics
 * loaders and our server both find the class names and input size.
 */
import type { YoloModel } from '../../trainers/yolov5/model/index.ts';
import { GraphBuilder, readOnnxMetadata } from './graph-builder.ts';
import { addYoloGraph } from './yolo-graph.ts';

/** Options of {@link exportOnnx}. */
export interface OnnxExportOptions {
  /** Input side in pixels, a multiple of 32. */
  size: number;
  /** A symbolic batch dimension instead of batch 1. */
  dynamicBatch: boolean;
  names: string[];
  /** Recorded as `hpo_task` (the served version). */
  taskId?: string;
}

/** Exports `model` to ONNX bytes. Throws for a size that is not a positive multiple of 32. */
export function exportOnnx(model: YoloModel, opts: OnnxExportOptions): Uint8Array {
  if (!Number.isInteger(opts.size) || opts.size < 32 || opts.size % 32 !== 0) {
    throw new Error(`onnx export: size must be a positive multiple of 32 (the largest stride), got ${opts.size}`);
  }
  if (opts.names.length !== model.nc) throw new Error(`onnx export: ${opts.names.length} class names for a model with nc=${model.nc}`);
  const g = new GraphBuilder();
  addYoloGraph(g, model, opts.size, opts.dynamicBatch ? 'batch' : 1);
  const metadata: Record<string, string> = {
    stride: String(Math.max(...model.strides)),
    names: pythonDict(opts.names),
    imgsz: `[${opts.size}, ${opts.size}]`,
    hpo_names: JSON.stringify(opts.names),
    hpo_model: `yolov5${model.size}`,
    ...(opts.taskId ? { hpo_task: opts.taskId } : {}),
  };
  return g.encode({ graphName: `yolov5${model.size}`, producer: 'hpo', version: '0.1.0', metadata });
}

/** What {@link exportOnnx} recorded, read back from model bytes. */
export interface OnnxModelMeta { size: number; names: string[]; stride: number; taskId?: string }

/** Reads the metadata of a model written by {@link exportOnnx}; throws naming the missing key. */
export function readExportMeta(bytes: Uint8Array): OnnxModelMeta {
  const m = readOnnxMetadata(bytes);
  const size = /^\[(\d+),/.exec(m.imgsz ?? '')?.[1];
  if (!size || !m.hpo_names) throw new Error('onnx model: no imgsz / hpo_names metadata; export it with `hpo export`');
  return { size: Number(size), names: JSON.parse(m.hpo_names) as string[], stride: Number(m.stride), taskId: m.hpo_task };
}

/** `{0: 'a', 1: 'b'}`, the repr of YOLOv5's names dict, which its loaders parse with ast.literal_eval. */
function pythonDict(names: string[]): string {
  const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return `{${names.map((n, i) => `${i}: ${quote(n)}`).join(', ')}}`;
}

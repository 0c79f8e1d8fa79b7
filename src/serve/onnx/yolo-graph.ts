/**
 * The YOLOv5 v6+ network of src/trainers/yolov5/model/yolo.ts as an ONNX graph, NCHW, in the
 * shape of YOLOv5's own export.py output: every Conv with its BatchNorm folded in and SiLU as
 * Sigmoid + Mul, Concat, nearest 2x Resize, SPPF's 5x5 MaxPools, and the Detect head decoded
 * in-graph to `[batch, anchors, 5 + nc]` rows (cx, cy, w, h, obj, cls...) in input pixels, rows
 * running level, anchor, y, x as YOLOv5's do. The topology follows runYolo; the weights come
 * from the model's state_dict-named variables, so nothing of the model's internals is imported.
 */
import type { YoloModel } from '../../trainers/yolov5/model/index.ts';
import { BN_EPS } from '../../trainers/yolov5/model/config.ts';
import { GraphBuilder, type Dim } from './graph-builder.ts';

/** Convs with stride 2 (the downsampling ones); the stem is 6x6 with padding 2. */
const STRIDE_2 = new Set(['model.0', 'model.1', 'model.3', 'model.5', 'model.7', 'model.18', 'model.21']);

/** Names of the graph's input and output, as YOLOv5's export names them. */
export const INPUT_NAME = 'images';
export const OUTPUT_NAME = 'output0';

/** Adds the YOLOv5 graph for `model` at `size` x `size` to `g`; `batch` is a size or a symbolic name. */
export function addYoloGraph(g: GraphBuilder, model: YoloModel, size: number, batch: Dim): void {
  const weights = new Map(model.namedVariables().map(({ name, variable }) => [name, variable.dataSync() as Float32Array]));
  const shapes = new Map(model.namedVariables().map(({ name, variable }) => [name, variable.shape]));
  const get = (name: string): Float32Array => {
    const w = weights.get(name);
    if (!w) throw new Error(`onnx export: the model has no variable '${name}'; the exporter and model/yolo.ts disagree`);
    return w;
  };

  const conv = (name: string, x: string): string => {
    const [k, , ci, co] = shapes.get(`${name}.conv.weight`) as number[];
    const { w, b } = foldBatchNorm(get(`${name}.conv.weight`), get(`${name}.bn.weight`), get(`${name}.bn.bias`),
      get(`${name}.bn.running_mean`), get(`${name}.bn.running_var`), k, ci, co);
    const s = STRIDE_2.has(name) ? 2 : 1;
    const p = name === 'model.0' ? 2 : Math.floor(k / 2);
    const y = g.node('Conv', [x, g.floats(`${name}.weight`, w, [co, ci, k, k]), g.floats(`${name}.bias`, b, [co])], {
      kernel_shape: { ints: [k, k] }, strides: { ints: [s, s] }, pads: { ints: [p, p, p, p] }, dilations: { ints: [1, 1] }, group: { int: 1 },
    });
    return g.node('Mul', [y, g.node('Sigmoid', [y])]);
  };
  const concat = (xs: string[]) => g.node('Concat', xs, { axis: { int: 1 } });
  const c3 = (name: string, x: string, shortcut: boolean): string => {
    let a = conv(`${name}.cv1`, x);
    for (let i = 0; weights.has(`${name}.m.${i}.cv1.conv.weight`); i++) {
      const y = conv(`${name}.m.${i}.cv2`, conv(`${name}.m.${i}.cv1`, a));
      a = shortcut ? g.node('Add', [a, y]) : y;
    }
    return conv(`${name}.cv3`, concat([a, conv(`${name}.cv2`, x)]));
  };
  const pool = (x: string) => g.node('MaxPool', [x], { kernel_shape: { ints: [5, 5] }, strides: { ints: [1, 1] }, pads: { ints: [2, 2, 2, 2] } });
  const roi = g.floats('resize_roi', new Float32Array(0), [0]);
  const scales = g.floats('resize_scales', Float32Array.of(1, 1, 2, 2), [4]);
  const up = (x: string) => g.node('Resize', [x, roi, scales], {
    mode: { string: 'nearest' }, coordinate_transformation_mode: { string: 'asymmetric' }, nearest_mode: { string: 'floor' },
  });

  g.input(INPUT_NAME, [batch, 3, size, size]);
  const p3b = c3('model.4', conv('model.3', c3('model.2', conv('model.1', conv('model.0', INPUT_NAME)), true)), true);
  const p4b = c3('model.6', conv('model.5', p3b), true);
  const b8 = c3('model.8', conv('model.7', p4b), true);
  const s0 = conv('model.9.cv1', b8);
  const s1 = pool(s0);
  const s2 = pool(s1);
  const p5b = conv('model.9.cv2', concat([s0, s1, s2, pool(s2)]));
  const h10 = conv('model.10', p5b);
  const h14 = conv('model.14', c3('model.13', concat([up(h10), p4b]), false));
  const p3 = c3('model.17', concat([up(h14), p3b]), false);
  const p4 = c3('model.20', concat([conv('model.18', p3), h14]), false);
  const p5 = c3('model.23', concat([conv('model.21', p4), h10]), false);

  const levels = [p3, p4, p5].map((f, i) => detectLevel(g, model, i, f, size, get));
  g.node('Concat', levels, { axis: { int: 1 } }, OUTPUT_NAME);
  const rows = model.strides.reduce((n, s) => n + model.anchors[0].length * (size / s) ** 2, 0);
  g.output(OUTPUT_NAME, [batch, rows, 5 + model.nc]);
}

/**
 * One Detect level: 1x1 conv with bias -> [B, na, no, ny, nx] -> [B, na, ny, nx, no] -> sigmoid ->
 * xy = s * 2 * stride + (cell - 0.5) * stride, wh = s^2 * 4 * anchor, rest as is -> [B, na*ny*nx, no].
 */
function detectLevel(g: GraphBuilder, model: YoloModel, i: number, feature: string, size: number, get: (n: string) => Float32Array): string {
  const name = `model.24.m.${i}`;
  const w = get(`${name}.weight`);
  const b = get(`${name}.bias`);
  const co = b.length;
  const ci = w.length / co;
  const na = model.anchors[i].length;
  const no = 5 + model.nc;
  const stride = model.strides[i];
  const n = size / stride;
  const y = g.node('Conv', [feature, g.floats(`${name}.weight`, transposeFilter(w, 1, ci, co), [co, ci, 1, 1]), g.floats(`${name}.bias`, b, [co])], {
    kernel_shape: { ints: [1, 1] }, strides: { ints: [1, 1] }, pads: { ints: [0, 0, 0, 0] },
  });
  const shaped = g.node('Reshape', [y, g.int64s(g.fresh('shape'), [-1, na, no, n, n])]);
  const s = g.node('Sigmoid', [g.node('Transpose', [shaped], { perm: { ints: [0, 1, 3, 4, 2] } })]);
  const slice = (from: number, to: number) =>
    g.node('Slice', [s, g.int64s(g.fresh('starts'), [from]), g.int64s(g.fresh('ends'), [to]), g.int64s(g.fresh('axes'), [4])]);
  const grid = new Float32Array(na * n * n * 2);
  const anchor4 = new Float32Array(na * 2);
  for (let a = 0; a < na; a++) {
    anchor4[2 * a] = 4 * model.anchors[i][a][0];
    anchor4[2 * a + 1] = 4 * model.anchors[i][a][1];
    for (let gy = 0; gy < n; gy++) {
      for (let gx = 0; gx < n; gx++) {
        const o = ((a * n + gy) * n + gx) * 2;
        grid[o] = (gx - 0.5) * stride;
        grid[o + 1] = (gy - 0.5) * stride;
      }
    }
  }
  const xy = g.node('Add', [
    g.node('Mul', [slice(0, 2), g.floats(`${name}.xy_gain`, Float32Array.of(2 * stride), [1])]),
    g.floats(`${name}.grid`, grid, [1, na, n, n, 2]),
  ]);
  const whS = slice(2, 4);
  const wh = g.node('Mul', [g.node('Mul', [whS, whS]), g.floats(`${name}.anchor_grid`, anchor4, [1, na, 1, 1, 2])]);
  const joined = g.node('Concat', [xy, wh, slice(4, no)], { axis: { int: 4 } });
  return g.node('Reshape', [joined, g.int64s(g.fresh('shape'), [-1, na * n * n, no])]);
}

/**
 * Folds eval BatchNorm into the conv as convBnSiluEval does (float32 at each step):
 * scale = gamma / sqrt(var + eps), w' = w * scale, b' = beta - mean * scale; and moves the
 * filter from TF.js [KH, KW, Ci, Co] to ONNX [Co, Ci, KH, KW].
 */
export function foldBatchNorm(
  w: Float32Array, gamma: Float32Array, beta: Float32Array, mean: Float32Array, variance: Float32Array,
  k: number, ci: number, co: number,
): { w: Float32Array; b: Float32Array } {
  const scale = new Float32Array(co);
  const b = new Float32Array(co);
  for (let o = 0; o < co; o++) {
    scale[o] = Math.fround(gamma[o] * Math.fround(1 / Math.sqrt(Math.fround(variance[o] + BN_EPS))));
    b[o] = Math.fround(beta[o] - Math.fround(mean[o] * scale[o]));
  }
  const scaled = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) scaled[i] = w[i] * scale[i % co];
  return { w: transposeFilter(scaled, k, ci, co), b };
}

/** [KH, KW, Ci, Co] -> [Co, Ci, KH, KW]. */
function transposeFilter(w: Float32Array, k: number, ci: number, co: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let kh = 0; kh < k; kh++) {
    for (let kw = 0; kw < k; kw++) {
      for (let c = 0; c < ci; c++) {
        for (let o = 0; o < co; o++) out[((o * ci + c) * k + kh) * k + kw] = w[((kh * k + kw) * ci + c) * co + o];
      }
    }
  }
  return out;
}

/**
 * The YOLOv5 model for the trainer: `createYoloModel` and `initBackend`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_ANCHORS, STRIDES } from '../types.ts';
import { hasFusedKernels } from '../kernels/index.ts';
import { parseSize, type YoloSize } from './config.ts';
import type { ConvImpl } from './conv-block.ts';
import { ParamFactory } from './params.ts';
import { packWeights, unpackWeights } from './serialize.ts';
import { buildLayers, runYolo } from './yolo.ts';

export { initBackend, loadBackendPackage, BACKEND_ENV, type BackendChoice } from '../backend.ts';
export { SIZE_MULTIPLES, makeDivisible, type YoloSize } from './config.ts';
export type { ConvImpl } from './conv-block.ts';

/** Options of {@link createYoloModel}. */
export interface YoloModelOptions {
  size: YoloSize;
  nc: number;
  /** Pixel (w, h) anchors per level, 3 per level; default YOLOv5's. */
  anchors?: readonly (readonly [number, number])[][];
  /** Initialization seed; default 0. */
  seed?: number;
  /**
   * Skip the seeded draw: conv weights and biases start at 0. For a model whose values are all
   * set right after (the EMA copy, a checkpoint to load), which spares the random draw's time.
   */
  blank?: boolean;
  /**
   * Training-mode gradient path: 'fused' (our custom gradients; needs our kernels, i.e. the wasm
   * or cpu backend), 'reference' (plain ops + autodiff), or 'auto' (default: fused when possible).
   */
  impl?: ConvImpl | 'auto';
}

/** A YOLOv5 network with its variables. */
export interface YoloModel {
  readonly size: YoloSize;
  readonly nc: number;
  readonly anchors: [number, number][][];
  readonly strides: readonly number[];
  /**
   * x [B, S, S, 3] (RGB in [0,1], S a multiple of 32) -> raw P3, P4, P5 outputs
   * [B, S/s, S/s, 3, 5 + nc] (pre-sigmoid). Training mode uses batch statistics and updates the
   * running ones; differentiable with tf.variableGrads. Does not dispose x.
   */
  forward(x: tf.Tensor4D, training: boolean): tf.Tensor[];
  /** YOLOv5's optimizer groups: conv weights (decayed), BN gammas, biases (BN betas, Detect biases). */
  trainableVariables(): { weights: tf.Variable[]; bnWeights: tf.Variable[]; biases: tf.Variable[] };
  /** BatchNorm running means and variances (not trained; EMA'd and saved with the weights). */
  stateVariables(): tf.Variable[];
  /** Number of trainable parameters, as PyTorch counts them. */
  paramCount(): number;
  /** Every variable (trainable and state) and its state_dict name, in a fixed order. */
  namedVariables(): { name: string; variable: tf.Variable }[];
  serialize(): Uint8Array;
  /** Loads bytes from serialize() of a model with the same size, nc and anchors. */
  load(bytes: Uint8Array): void;
  dispose(): void;
}

function checkOptions(o: YoloModelOptions): void {
  parseSize(o.size);
  if (!Number.isInteger(o.nc) || o.nc < 1) throw new Error(`model nc: expected a positive integer class count, got ${JSON.stringify(o.nc)}`);
  if (o.anchors != null && (o.anchors.length !== 3 || o.anchors.some((l) => l.length !== 3 || l.some((a) => a.length !== 2)))) {
    throw new Error(`model anchors: expected 3 levels of 3 (w, h) pairs, got ${JSON.stringify(o.anchors)}`);
  }
}

/** Creates a freshly initialized (seeded, or blank) YOLOv5 of the given size. */
export function createYoloModel(options: YoloModelOptions): YoloModel {
  checkOptions(options);
  const { size, nc, seed = 0, impl = 'auto', blank = false } = options;
  const anchors = (options.anchors ?? DEFAULT_ANCHORS).map((l) => l.map(([w, h]) => [w, h] as [number, number]));
  const na = anchors[0].length;
  const factory = new ParamFactory(blank ? undefined : seed);
  const layers = buildLayers(factory, size, nc, na, STRIDES);
  const vars = factory.all;
  const group = (g: string) => vars.filter((v) => v.group === g).map((v) => v.variable);
  const meta = { size, nc, anchors };
  return {
    size, nc, anchors, strides: STRIDES,
    forward(x, training) {
      if (x.rank !== 4 || x.shape[3] !== 3 || x.shape[1] % 32 !== 0 || x.shape[2] % 32 !== 0) {
        throw new Error(`model input: expected [B, S, S, 3] with S a multiple of 32, got [${x.shape}]`);
      }
      const chosen: ConvImpl = impl === 'auto' ? (hasFusedKernels(tf.getBackend()) ? 'fused' : 'reference') : impl;
      return runYolo(layers, x, training, chosen, na);
    },
    trainableVariables: () => ({ weights: group('weights'), bnWeights: group('bnWeights'), biases: group('biases') }),
    stateVariables: () => group('state'),
    paramCount: () => vars.filter((v) => v.group !== 'state').reduce((a, v) => a + v.variable.size, 0),
    namedVariables: () => vars.map(({ name, variable }) => ({ name, variable })),
    serialize: () => packWeights(vars, meta),
    load: (bytes) => unpackWeights(bytes, vars, meta),
    dispose: () => vars.forEach((v) => v.variable.dispose()),
  };
}

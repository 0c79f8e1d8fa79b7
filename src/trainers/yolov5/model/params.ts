/**
 * The model's variables and their initialization: PyTorch's default conv init
 * (kaiming_uniform_ with a = sqrt(5), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and
 * biases), BatchNorm gamma = 1, beta = 0, running mean 0, variance 1. Seeded, so the same seed
 * gives the same model. Names follow PyTorch's state_dict (`model.2.m.0.cv1.conv.weight`), with
 * TF.js layouts: conv weights are [KH, KW, Ci, Co].
 */
import * as tf from '@tensorflow/tfjs-core';
import { InitStream } from './init-stream.ts';

/** One Conv (conv without bias + BatchNorm + SiLU). */
export interface ConvBnParams {
  name: string;
  k: number; s: number; p: number; ci: number; co: number;
  w: tf.Variable; gamma: tf.Variable; beta: tf.Variable;
  runMean: tf.Variable; runVar: tf.Variable;
}

/** A Detect output conv: 1x1 with bias, no BatchNorm. */
export interface HeadConvParams {
  name: string; ci: number; co: number;
  w: tf.Variable; b: tf.Variable;
}

/** YOLOv5's optimizer parameter groups, plus BatchNorm running statistics. */
export type ParamGroup = 'weights' | 'bnWeights' | 'biases' | 'state';

/** A named variable and its group. */
export interface NamedVariable { name: string; variable: tf.Variable; group: ParamGroup }

let instanceCounter = 0;

/** The stream a model seeded with `seed` draws its initial weights from. */
export function initStream(seed: number): InitStream {
  return new InitStream(`yolov5-init-${seed}`);
}

/** Creates and records every variable of one model instance. */
export class ParamFactory {
  readonly all: NamedVariable[] = [];
  private readonly stream: InitStream | undefined;
  // TF.js variable names are process-global: each model instance gets its own prefix.
  private readonly prefix = `yolov5_${++instanceCounter}/`;

  /** Without a seed every conv weight and bias is 0 (a model that is loaded or copied into next). */
  constructor(seed: number | undefined) {
    this.stream = seed === undefined ? undefined : initStream(seed);
  }

  private uniform(n: number, bound: number): Float32Array {
    const a = new Float32Array(n);
    this.stream?.fillSymmetric(a, bound);
    return a;
  }

  private add(name: string, group: ParamGroup, value: tf.Tensor): tf.Variable {
    const variable = tf.variable(value, group !== 'state', this.prefix + name);
    value.dispose();
    this.all.push({ name, variable, group });
    return variable;
  }

  /** Conv(ci, co, k, s, p = k // 2) with its BatchNorm. */
  convBn(name: string, ci: number, co: number, k: number, s = 1, p = Math.floor(k / 2)): ConvBnParams {
    const bound = 1 / Math.sqrt(ci * k * k);
    return {
      name, k, s, p, ci, co,
      w: this.add(`${name}.conv.weight`, 'weights', tf.tensor4d(this.uniform(k * k * ci * co, bound), [k, k, ci, co])),
      gamma: this.add(`${name}.bn.weight`, 'bnWeights', tf.ones([co])),
      beta: this.add(`${name}.bn.bias`, 'biases', tf.zeros([co])),
      runMean: this.add(`${name}.bn.running_mean`, 'state', tf.zeros([co])),
      runVar: this.add(`${name}.bn.running_var`, 'state', tf.ones([co])),
    };
  }

  /** 1x1 conv with bias; `adjustBias` edits the default-initialized bias in place (Detect's prior). */
  headConv(name: string, ci: number, co: number, adjustBias: (b: Float32Array) => void): HeadConvParams {
    const bound = 1 / Math.sqrt(ci);
    const w = this.uniform(ci * co, bound);
    const b = this.uniform(co, bound);
    adjustBias(b);
    return {
      name, ci, co,
      w: this.add(`${name}.weight`, 'weights', tf.tensor4d(w, [1, 1, ci, co])),
      b: this.add(`${name}.bias`, 'biases', tf.tensor1d(b)),
    };
  }
}

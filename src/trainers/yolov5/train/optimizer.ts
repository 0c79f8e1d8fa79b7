/**
 * YOLOv5's optimizers over its three parameter groups (utils/torch_utils.py smart_optimizer):
 * group 0 = biases (no decay), group 1 = conv weights (decay), group 2 = BatchNorm weights
 * (no decay). Update rules follow PyTorch's torch.optim.SGD (nesterov), Adam (L2 decay) and
 * AdamW (decoupled decay), with clip_grad_norm_ (max norm 10) before each step as train.py does.
 * Every update is written with `Variable.assign` inside one tf.tidy, so no tensor leaks. SGD runs
 * as one fused kernel per variable where the backend has it (kernels/weight-update.ts: same float32
 * arithmetic, one pass instead of five ops); Adam, AdamW and other backends use tf op sequences.
 */
import * as tf from '@tensorflow/tfjs-core';
import { hasWeightUpdateKernels, sgdNesterovUpdate, sumOfSquares } from '../kernels/weight-update.ts';
import type { OptimizerName } from './params.ts';

/** The three parameter groups, in the model's stable variable order. */
export interface ParamGroups {
  biases: tf.Variable[];
  weights: tf.Variable[];
  bnWeights: tf.Variable[];
}

export interface OptimizerOptions {
  name: OptimizerName;
  /** Weight decay of group 1, already scaled by batch * accumulate / nbs. */
  weightDecay: number;
  /** Adam's beta1 (YOLOv5 passes hyp momentum; the warmup does not move it for Adam). */
  beta1: number;
  beta2?: number;
  eps?: number;
  /** Global gradient-norm clip (YOLOv5: 10); 0 disables. */
  maxGradNorm?: number;
}

/** Per-iteration settings from the schedule: lr per group [biases, weights, bn] and SGD momentum. */
export interface StepSettings {
  lr: readonly [number, number, number];
  momentum: number;
}

/** Serializable optimizer state (slot buffers in variable order, then slot order). */
export interface OptimizerState {
  name: OptimizerName;
  step: number;
  slots: Float32Array[];
}

/** SGD-Nesterov / Adam / AdamW over YOLOv5's parameter groups. Owns its slot variables. */
export class YoloOptimizer {
  readonly name: OptimizerName;
  private readonly groups: tf.Variable[][];
  /** One (SGD: momentum buffer) or two (Adam: m, v) slots per variable, flattened. */
  private readonly slots: tf.Variable[][];
  private t = 0;
  private readonly opts: Required<OptimizerOptions>;

  constructor(groups: ParamGroups, options: OptimizerOptions) {
    this.name = options.name;
    this.opts = { beta2: 0.999, eps: 1e-8, maxGradNorm: 10, ...options };
    this.groups = [groups.biases, groups.weights, groups.bnWeights];
    const nSlots = options.name === 'SGD' ? 1 : 2;
    this.slots = this.variables().map((v) =>
      Array.from({ length: nSlots }, () => tf.variable(tf.zerosLike(v), false)),
    );
  }

  /** All optimized variables: biases, then weights, then BN weights. `step` grads follow this order. */
  variables(): tf.Variable[] {
    return this.groups.flat();
  }

  /** Optimizer steps taken so far (Adam's bias correction uses it). */
  get steps(): number {
    return this.t;
  }

  /**
   * Applies one update. `grads[i]` belongs to `variables()[i]`; null skips that variable (as
   * PyTorch skips a parameter without grad). Does not dispose `grads`.
   */
  step(grads: readonly (tf.Tensor | null)[], settings: StepSettings): void {
    const vars = this.variables();
    if (grads.length !== vars.length) {
      throw new RangeError(`optimizer.step: got ${grads.length} gradients for ${vars.length} variables`);
    }
    this.t += 1;
    if (this.name === 'SGD' && hasWeightUpdateKernels()) {
      this.fusedSgdStep(grads, settings);
      return;
    }
    tf.tidy(() => {
      const coef = this.opts.maxGradNorm > 0 ? clipCoefficient(grads, this.opts.maxGradNorm) : null;
      let i = 0;
      this.groups.forEach((group, g) => {
        const decay = g === 1 ? this.opts.weightDecay : 0;
        for (const p of group) {
          const grad = grads[i];
          if (grad) this.update(p, coef ? tf.mul(grad, coef) : grad, this.slots[i], settings.lr[g], decay, settings.momentum);
          i += 1;
        }
      });
    });
  }

  /** The SGD update of `update`, one fused kernel per variable, the clip factor read back once. */
  private fusedSgdStep(grads: readonly (tf.Tensor | null)[], settings: StepSettings): void {
    const { maxGradNorm, weightDecay } = this.opts;
    let clip = 1;
    if (maxGradNorm > 0) {
      const sq = sumOfSquares(grads.filter((g): g is tf.Tensor => g !== null));
      clip = Math.min(maxGradNorm / (Math.sqrt(sq.dataSync()[0]) + 1e-6), 1);
      sq.dispose();
    }
    tf.tidy(() => {
      let i = 0;
      this.groups.forEach((group, g) => {
        const coefficients = { lr: settings.lr[g], momentum: settings.momentum, decay: g === 1 ? weightDecay : 0, clip };
        for (const p of group) {
          const grad = grads[i];
          if (grad) {
            const [next, buf] = sgdNesterovUpdate(p, grad, this.slots[i][0], coefficients);
            p.assign(next);
            this.slots[i][0].assign(buf);
          }
          i += 1;
        }
      });
    });
  }

  private update(p: tf.Variable, grad: tf.Tensor, slots: tf.Variable[], lr: number, decay: number, mu: number): void {
    const { name, beta1, beta2, eps } = this.opts;
    if (name === 'SGD') {
      // torch SGD: g += wd*p; buf = mu*buf + g; nesterov: p -= lr*(g + mu*buf)
      const g = decay ? tf.add(grad, tf.mul(p, decay)) : grad;
      const buf = tf.add(tf.mul(slots[0], mu), g);
      slots[0].assign(buf);
      p.assign(tf.sub(p, tf.mul(tf.add(g, tf.mul(buf, mu)), lr)));
      return;
    }
    let g = grad;
    let w: tf.Tensor = p;
    if (decay && name === 'Adam') g = tf.add(g, tf.mul(p, decay));
    if (decay && name === 'AdamW') w = tf.mul(p, 1 - lr * decay);
    const m = tf.add(tf.mul(slots[0], beta1), tf.mul(g, 1 - beta1));
    const v = tf.add(tf.mul(slots[1], beta2), tf.mul(tf.square(g), 1 - beta2));
    slots[0].assign(m);
    slots[1].assign(v);
    const stepSize = lr / (1 - beta1 ** this.t);
    const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(1 - beta2 ** this.t)), eps);
    p.assign(tf.sub(w, tf.mul(tf.div(m, denom), stepSize)));
  }

  /** Reads the state out (synchronously) for a checkpoint. */
  getState(): OptimizerState {
    return { name: this.name, step: this.t, slots: this.slots.flat().map((s) => s.dataSync() as Float32Array) };
  }

  /** Restores a state saved by the same optimizer type over the same variable shapes. */
  setState(state: OptimizerState): void {
    const flat = this.slots.flat();
    if (state.name !== this.name || state.slots.length !== flat.length) {
      throw new RangeError(
        `optimizer state does not fit: saved ${state.name} with ${state.slots.length} buffers, ` +
          `this run uses ${this.name} with ${flat.length}; resume with the same args/optimizer and args/cfg`,
      );
    }
    flat.forEach((s, k) => {
      if (state.slots[k].length !== s.size) throw new RangeError(`optimizer buffer ${k}: ${state.slots[k].length} values, expected ${s.size}`);
      s.assign(tf.tensor(state.slots[k], s.shape));
    });
    this.t = state.step;
  }

  dispose(): void {
    for (const s of this.slots.flat()) s.dispose();
  }
}

/** torch.nn.utils.clip_grad_norm_: min(1, max / (||g||_2 + 1e-6)) over all gradients, as a scalar tensor. */
export function clipCoefficient(grads: readonly (tf.Tensor | null)[], maxNorm: number): tf.Scalar {
  return tf.tidy(() => {
    const squares = grads.filter((g): g is tf.Tensor => g !== null).map((g) => tf.sum(tf.square(g)));
    const norm = tf.sqrt(tf.addN(squares));
    return tf.minimum(tf.div(maxNorm, tf.add(norm, 1e-6)), 1) as tf.Scalar;
  });
}

/**
 * Sums gradients over the batches of one optimizer step (PyTorch accumulates `.grad` across
 * backward calls). Owns the sums; `reset` disposes them.
 */
export class GradientAccumulator {
  private sums: (tf.Tensor | null)[];

  constructor(private readonly variables: readonly tf.Variable[]) {
    this.sums = variables.map(() => null);
  }

  /** Adds a `tf.variableGrads` result (keyed by variable name) and disposes it. */
  add(grads: tf.NamedTensorMap): void {
    this.variables.forEach((v, i) => {
      const g = grads[v.name];
      if (g) this.addTo(i, g);
    });
    for (const g of Object.values(grads)) g.dispose();
  }

  /** Adds gradient values in variable order (a replica's sums; null: none for that variable). */
  addValues(values: readonly (Float32Array | null)[]): void {
    this.variables.forEach((v, i) => {
      const value = values[i];
      if (!value) return;
      const g = tf.tensor(value, v.shape);
      this.addTo(i, g);
      g.dispose();
    });
  }

  private addTo(i: number, g: tf.Tensor): void {
    const prev = this.sums[i];
    this.sums[i] = prev ? tf.keep(tf.add(prev, g)) : tf.keep(g.clone());
    prev?.dispose();
  }

  /** The current sums in variable order (null where no batch reached a variable). Still owned here. */
  current(): readonly (tf.Tensor | null)[] {
    return this.sums;
  }

  /** Drops the sums (YOLOv5's optimizer.zero_grad()). */
  reset(): void {
    for (const s of this.sums) s?.dispose();
    this.sums = this.variables.map(() => null);
  }
}

import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerCoreGradients } from '../../../../src/trainers/yolov5/kernels/gradients.ts';
import { computeLoss, scaleLossGains, type LossOptions } from '../../../../src/trainers/yolov5/loss/loss.ts';
import { DEFAULT_ANCHORS, DEFAULT_HYP, type Hyp } from '../../../../src/trainers/yolov5/types.ts';
import { bce, referenceLoss, type RefCase } from './reference.ts';

beforeAll(async () => {
  registerCoreGradients();
  await tf.setBackend('cpu');
});

/** One layer, 2x2 grid, one 16x16 px anchor (2x2 grid units), stride 8, 16 px input, nc = 2. */
function handCase(hyp: Partial<Hyp> = {}, labelSmoothing = 0) {
  const no = 7;
  const data = new Float32Array(2 * 2 * 1 * no);
  data.set([0, 0, 0, 0, 2, 1, -1], 0); // cell (0,0): box logits 0, obj 2, class logits (1, -1)
  const opts: LossOptions = {
    nc: 2, imgSize: 16, anchors: [[[16, 16]]], strides: [8], hyp: { ...DEFAULT_HYP, ...hyp }, labelSmoothing,
  };
  // One target of class 1 centred at grid (0.5, 0.5), 2 x 1 grid units: only cell (0,0) is assigned
  // (0.5 is not > 1, and (2 - 0.5) % 1 = 0.5 is not < 0.5).
  const targets = Float32Array.from([0, 1, 0.25, 0.25, 1, 0.5]);
  return { data, shape: [1, 2, 2, 1, no] as [number, number, number, number, number], opts, targets };
}

const values = (r: ReturnType<typeof computeLoss>) => ({
  loss: r.loss.dataSync()[0], box: r.box.dataSync()[0], obj: r.obj.dataSync()[0], cls: r.cls.dataSync()[0],
});

describe('computeLoss on a hand-built case', () => {
  it('matches hand-computed box, obj and cls terms', () => {
    // Pred box: sigmoid(0) = 0.5 -> xy = 0.5, wh = (2*0.5)^2 * 2 = 2: (0.5, 0.5, 2, 2) vs target
    // (0.5, 0.5, 2, 1): CIoU = 0.49675186 (see ciou.test.ts).
    // box = (1 - 0.49675186) * box gain 0.05 * 3/nl (nl = 1) = 0.07548722
    // obj: slot (0,0) BCE(2, t=0.49675186) = (1-t)*2 + softplus(-2) = 1.00649628 + 0.12692801;
    //      three other slots BCE(0, 0) = ln 2. Mean = 0.80321645; * balance 4 * obj gain
    //      1 * (16/640)^2 * 3 = 0.001875 -> 0.00602412
    // cls: BCE(1, 0) = BCE(-1, 1) = softplus(1) = 1.31326169; * 0.5 * 2/80 * 3 = 0.0375 -> 0.04924731
    // loss = (0.07548722 + 0.00602412 + 0.04924731) * batch 1 = 0.13075866
    const c = handCase();
    const result = computeLoss([tf.tensor(c.data, c.shape)], c.targets, c.opts);
    const r = values(result);
    expect(r.box).toBeCloseTo(0.07548722, 6);
    expect(r.obj).toBeCloseTo(0.00602412, 6);
    expect(r.cls).toBeCloseTo(0.04924731, 6);
    expect(r.loss).toBeCloseTo(0.13075866, 6);
    for (const k of ['loss', 'box', 'obj', 'cls'] as const) expect(result.values[k]).toBeCloseTo(r[k], 6);
  });

  it('multiplies by the batch size and averages obj over every slot of the batch', () => {
    const c = handCase();
    const data = new Float32Array(c.data.length * 2);
    data.set(c.data, c.data.length); // image 1 holds the logits; image 0 is all zeros
    const targets = Float32Array.from([1, 1, 0.25, 0.25, 1, 0.5]);
    const r = values(computeLoss([tf.tensor(data, [2, 2, 2, 1, 7])], targets, c.opts));
    const obj = ((bce(2, 0.49675186) + 7 * Math.LN2) / 8) * 4 * 0.001875;
    expect(r.obj).toBeCloseTo(obj, 6);
    expect(r.loss).toBeCloseTo((0.07548722 + obj + 0.04924731) * 2, 6);
  });

  it('applies label smoothing to the class targets only', () => {
    // cp = 0.95, cn = 0.05: BCE(1, 0.05) = 0.95 + softplus(-1) = BCE(-1, 0.95) = -0.05 + softplus(1)
    // = 1.26326169; * 0.0375 = 0.04737231 (lower than 0.04924731 without smoothing).
    const c = handCase({}, 0.1);
    const r = values(computeLoss([tf.tensor(c.data, c.shape)], c.targets, c.opts));
    expect(r.cls).toBeCloseTo(0.04737231, 6);
    expect(r.box).toBeCloseTo(0.07548722, 6);
    expect(r.obj).toBeCloseTo(0.00602412, 6);
  });

  it('weights positives by cls_pw and obj_pw, and shrinks easy terms under focal loss', () => {
    const pw = handCase({ cls_pw: 2, obj_pw: 3 });
    const rp = values(computeLoss([tf.tensor(pw.data, pw.shape)], pw.targets, pw.opts));
    // Only the positive class term doubles: (softplus(1) + 2 softplus(1)) / 2 * 0.0375.
    expect(rp.cls).toBeCloseTo(((1.31326169 + 2 * 1.31326169) / 2) * 0.0375, 6);
    const objPw = ((bce(2, 0.49675186, 3) + 3 * Math.LN2) / 4) * 4 * 0.001875;
    expect(rp.obj).toBeCloseTo(objPw, 6);

    const fl = handCase({ fl_gamma: 1.5 });
    const rf = values(computeLoss([tf.tensor(fl.data, fl.shape)], fl.targets, fl.opts));
    const clsFocal = ((bce(1, 0, 1, 1.5) + bce(-1, 1, 1, 1.5)) / 2) * 0.0375;
    const objFocal = ((bce(2, 0.49675186, 1, 1.5) + 3 * bce(0, 0, 1, 1.5)) / 4) * 4 * 0.001875;
    expect(rf.cls).toBeCloseTo(clsFocal, 6);
    expect(rf.obj).toBeCloseTo(objFocal, 7);
    expect(rf.cls).toBeLessThan(0.04924731 / 2);
    expect(rf.box).toBeCloseTo(0.07548722, 6);
  });

  it('drops the class term for a single class and the box/cls terms without targets', () => {
    const c = handCase();
    const one: LossOptions = { ...c.opts, nc: 1 };
    const data1 = new Float32Array(2 * 2 * 6);
    data1.set([0, 0, 0, 0, 2, 1], 0);
    const r1 = values(computeLoss([tf.tensor(data1, [1, 2, 2, 1, 6])], Float32Array.from([0, 0, 0.25, 0.25, 1, 0.5]), one));
    expect(r1.cls).toBe(0);
    expect(r1.box).toBeCloseTo(0.07548722, 6);
    const r0 = values(computeLoss([tf.tensor(c.data, c.shape)], new Float32Array(0), c.opts));
    expect(r0.box).toBe(0);
    expect(r0.cls).toBe(0);
    // All-zero tobj: BCE(2, 0) = 2 + softplus(-2) at slot (0,0), ln 2 elsewhere.
    expect(r0.obj).toBeCloseTo(((2 + 0.12692801 + 3 * Math.LN2) / 4) * 4 * 0.001875, 7);
  });
});

describe('computeLoss against a plain-JS reference on the 3-layer setup', () => {
  function threeLayerCase(seed: number, hyp: Partial<Hyp>, labelSmoothing: number): RefCase {
    let s = seed;
    const rand = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
    const imgSize = 64;
    const nc = 3;
    const preds = [8, 16, 32].map((stride) => {
      const g = imgSize / stride;
      const shape: [number, number, number, number, number] = [2, g, g, 3, 5 + nc];
      const data = Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => rand() * 1.5);
      return { data, shape };
    });
    // Targets of several sizes on both images, including one on a cell corner and one at the border.
    const targets = Float32Array.from([
      0, 0, 0.45, 0.55, 0.3125, 0.3125,
      0, 2, 0.5, 0.5, 0.1, 0.2,
      1, 1, 0.9, 0.1, 0.6, 0.5,
      1, 0, 0.03, 0.97, 0.05, 0.05,
    ]);
    return {
      preds, targets, nc, imgSize, anchors: DEFAULT_ANCHORS as [number, number][][], strides: [8, 16, 32],
      hyp: { ...DEFAULT_HYP, ...hyp }, labelSmoothing,
    };
  }

  const variants: [string, Partial<Hyp>, number][] = [
    ['defaults', {}, 0],
    ['label smoothing 0.1 and cls_pw 1.5', { cls_pw: 1.5, obj_pw: 0.7 }, 0.1],
    ['focal loss gamma 2', { fl_gamma: 2 }, 0],
    ['anchor_t 2.9', { anchor_t: 2.9 }, 0],
  ];
  for (const [name, hyp, ls] of variants) {
    it(`agrees with the reference in value and gradient: ${name}`, () => {
      const c = threeLayerCase(7, hyp, ls);
      const ref = referenceLoss(c);
      const r = values(computeLoss(c.preds.map((p) => tf.tensor(p.data, p.shape)), c.targets, c));
      for (const k of ['loss', 'box', 'obj', 'cls'] as const) {
        expect(r[k]).toBeGreaterThan(0);
        expect(Math.abs(r[k] - ref[k]) / ref[k], k).toBeLessThan(1e-5);
      }
      // Every entry's gradient against central differences of the reference (float64) with
      // YOLOv5's detached quantities (CIoU alpha, objectness targets) frozen.
      const tensors = c.preds.map((p) => tf.tensor(p.data, p.shape));
      const grads = tf.grads((...ps: tf.Tensor[]) => computeLoss(ps, c.targets, c).loss)(tensors).map((g) => g.dataSync());
      const e = 1e-3;
      let checked = 0;
      c.preds.forEach((p, i) => {
        for (let j = 0; j < p.data.length; j++) {
          const keep = p.data[j];
          p.data[j] = keep + e;
          const up = referenceLoss(c, ref.detached).loss;
          const hi = p.data[j]; // the step actually taken, after float32 rounding
          p.data[j] = keep - e;
          const down = referenceLoss(c, ref.detached).loss;
          const lo = p.data[j];
          p.data[j] = keep;
          const fd = (up - down) / (hi - lo);
          const g = grads[i][j];
          if (Math.abs(g - fd) > 1e-5 + 1e-4 * Math.abs(fd)) {
            throw new Error(`layer ${i} entry ${j} (channel ${j % (5 + c.nc)}): gradient ${g}, central difference ${fd}`);
          }
          checked++;
        }
      });
      expect(checked).toBe(2 * (64 + 16 + 4) * 3 * 8);
    });
  }
});

describe('computeLoss gradients', () => {
  it('are finite, non-zero at the assigned slots and zero on unassigned box/cls logits', () => {
    // Square target (1.5 x 1.5) at grid (0.7, 0.4) on the 2x2 grid: cells (0,0) and right neighbour (1,0).
    const c = handCase();
    const data = Float32Array.from({ length: c.data.length }, (_, i) => Math.sin(i) * 0.4);
    const no = 7;
    for (let s = 0; s < 4; s++) data[s * no + 3] = data[s * no + 2]; // square predictions: v = 0
    for (const s of [0, 1]) data[s * no + 4] = 0; // obj logit 0 at assigned slots: BCE(0, t) = ln 2 for any t
    const targets = Float32Array.from([0, 1, 0.7 / 2, 0.4 / 2, 1.5 / 2, 1.5 / 2]);
    const f = (p: tf.Tensor) => computeLoss([p], targets, c.opts).loss;
    const x = tf.tensor(data, c.shape);
    const g = tf.grad(f)(x).dataSync();
    expect(g.every(Number.isFinite)).toBe(true);
    for (const s of [0, 1]) for (const ch of [0, 1, 2, 3, 5, 6]) expect(Math.abs(g[s * no + ch])).toBeGreaterThan(1e-4);
    for (const s of [2, 3]) for (const ch of [0, 1, 2, 3, 5, 6]) expect(g[s * no + ch]).toBe(0);
    for (let s = 0; s < 4; s++) expect(Math.abs(g[s * no + 4])).toBeGreaterThan(1e-4);
    // Central differences agree on every entry (with square boxes the detached alpha and the
    // detached obj target do not change first derivatives).
    const e = 1e-2;
    for (let i = 0; i < data.length; i++) {
      const plus = Float32Array.from(data);
      const minus = Float32Array.from(data);
      plus[i] += e;
      minus[i] -= e;
      const fd = (f(tf.tensor(plus, c.shape)).dataSync()[0] - f(tf.tensor(minus, c.shape)).dataSync()[0]) / (2 * e);
      expect(g[i], `entry ${i}`).toBeCloseTo(fd, 3);
    }
  });

  it('flow through tf.variableGrads to a variable', () => {
    const c = handCase();
    const v = tf.variable(tf.tensor(c.data, c.shape));
    const { value, grads } = tf.variableGrads(() => computeLoss([tf.mul(v, 1)], c.targets, c.opts).loss, [v]);
    expect(value.dataSync()[0]).toBeCloseTo(0.13075866, 6);
    expect(Array.from(grads[v.name].dataSync()).some((x) => x !== 0)).toBe(true);
  });
});

describe('loss gains and input checks', () => {
  it('scales gains as train.py does', () => {
    expect(scaleLossGains(DEFAULT_HYP, 80, 640, 3)).toEqual({ box: 0.05, cls: 0.5, obj: 1 });
    const g = scaleLossGains(DEFAULT_HYP, 3, 128, 3);
    expect(g.cls).toBeCloseTo(0.5 * 3 / 80, 12);
    expect(g.obj).toBeCloseTo(0.04, 12);
    expect(scaleLossGains(DEFAULT_HYP, 80, 640, 4).box).toBeCloseTo(0.0375, 12);
  });

  it('names the field, value and fix on bad input', () => {
    const c = handCase();
    const p = [tf.tensor(c.data, c.shape)];
    expect(() => computeLoss(p, Float32Array.from([0, 2, 0.5, 0.5, 0.1, 0.1]), c.opts)).toThrow(
      /targets row 0 class is invalid \(received 2\); use an integer in \[0, 1\]/,
    );
    expect(() => computeLoss(p, Float32Array.from([1, 0, 0.5, 0.5, 0.1, 0.1]), c.opts)).toThrow(/image index/);
    expect(() => computeLoss(p, new Float32Array(5), c.opts)).toThrow(/targets.length is invalid \(received 5\)/);
    expect(() => computeLoss([tf.zeros([1, 2, 2, 3, 7])], c.targets, c.opts)).toThrow(
      /preds\[0\]\.shape is invalid \(received \[1, 2, 2, 3, 7\]\); expected \[1, ny, nx, 1, 7\]/,
    );
  });
});

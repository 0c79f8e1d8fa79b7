import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createYoloModel, initBackend, makeDivisible, type YoloModel } from '../../../../src/trainers/yolov5/model/index.ts';
import { scaleDepth } from '../../../../src/trainers/yolov5/model/config.ts';
import { onBackend, relError, seeded } from './helpers.ts';

const models: YoloModel[] = [];
function track(m: YoloModel): YoloModel {
  models.push(m);
  return m;
}

beforeAll(async () => {
  await import('@tensorflow/tfjs-backend-cpu');
  expect(await initBackend('wasm')).toBe('wasm');
});
afterEach(() => {
  models.splice(0).forEach((m) => m.dispose());
});

function allTrainable(m: YoloModel): tf.Variable[] {
  const g = m.trainableVariables();
  return [...g.weights, ...g.bnWeights, ...g.biases];
}

/** A stand-in scalar loss that touches every output element. */
function squareLoss(outs: tf.Tensor[]): tf.Scalar {
  return tf.addN(outs.map((o) => tf.mean(tf.square(o)))) as tf.Scalar;
}

describe('YOLOv5 scaling', () => {
  it("rounds channels up to multiples of 8 and depths as YOLOv5's parse_model", () => {
    expect([makeDivisible(64 * 0.25), makeDivisible(1024 * 0.75), makeDivisible(20)]).toEqual([16, 768, 24]);
    expect([scaleDepth(3, 'n'), scaleDepth(9, 'n'), scaleDepth(9, 'm'), scaleDepth(9, 'x'), scaleDepth(1, 'x')]).toEqual([1, 3, 6, 12, 1]);
  });
});

describe('createYoloModel', () => {
  it.each([
    ['n', 1_872_157, 1_867_405],
    ['s', 7_235_389, 7_225_885],
  ] as const)('yolov5%s at nc=80 has YOLOv5s parameter counts (unfused %i, BN-fused %i)', (size, unfused, fused) => {
    const m = track(createYoloModel({ size, nc: 80 }));
    // PyTorch's count of the yaml model, and of the fused model (each BN's gamma+beta -> one conv bias).
    expect(m.paramCount()).toBe(unfused);
    const bnChannels = m.trainableVariables().bnWeights.reduce((a, v) => a + v.size, 0);
    expect(m.paramCount() - bnChannels).toBe(fused);
    expect(Math.abs(m.paramCount() - fused) / fused).toBeLessThan(0.01);
  });

  it.each(['n', 's'] as const)('yolov5%s maps a 640 image to P3/P4/P5 outputs [1, 80|40|20, same, 3, 85]', (size) => {
    const m = track(createYoloModel({ size, nc: 80 }));
    const outs = tf.tidy(() => m.forward(tf.zeros([1, 640, 640, 3]), false));
    expect(outs.map((o) => o.shape)).toEqual([[1, 80, 80, 3, 85], [1, 40, 40, 3, 85], [1, 20, 20, 3, 85]]);
    tf.dispose(outs);
  });

  it("applies YOLOv5's Detect bias prior (objectness log(8/(640/s)^2), classes log(0.6/(nc-0.99)))", () => {
    const m = track(createYoloModel({ size: 'n', nc: 3 }));
    const biases = m.namedVariables().filter((v) => /^model\.24\.m\.\d\.bias$/.test(v.name));
    expect(biases).toHaveLength(3);
    [8, 16, 32].forEach((s, i) => {
      const b = biases[i].variable.dataSync();
      const bound = 1 / Math.sqrt([64, 128, 256][i]); // PyTorch's default bias init is U(+-1/sqrt(fan_in))
      for (let a = 0; a < 3; a++) {
        expect(Math.abs(b[a * 8 + 4] - Math.log(8 / (640 / s) ** 2))).toBeLessThanOrEqual(bound);
        expect(Math.abs(b[a * 8 + 6] - Math.log(0.6 / (3 - 0.99)))).toBeLessThanOrEqual(bound);
      }
    });
  });

  it('rejects bad options with the field and the received value', () => {
    expect(() => createYoloModel({ size: 'q' as never, nc: 80 })).toThrow(/model size: expected one of n, s, m, l, x, got "q"/);
    expect(() => createYoloModel({ size: 'n', nc: 0 })).toThrow(/model nc: .* got 0/);
    const m = track(createYoloModel({ size: 'n', nc: 2 }));
    expect(() => m.forward(tf.zeros([1, 100, 100, 3]) as tf.Tensor4D, false)).toThrow(/multiple of 32, got \[1,100,100,3\]/);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const a = track(createYoloModel({ size: 'n', nc: 2, seed: 7 }));
    const b = track(createYoloModel({ size: 'n', nc: 2, seed: 7 }));
    const c = track(createYoloModel({ size: 'n', nc: 2, seed: 8 }));
    const w = (m: YoloModel) => m.trainableVariables().weights[5];
    expect(relError(w(a), w(b))).toBe(0);
    expect(relError(w(a), w(c))).toBeGreaterThan(0.1);
  });

  it('keeps the initial weights of earlier versions for a seed (a recorded trial re-runs the same)', () => {
    // sha256 of serialize() as seedrandom's prng() drew them before model/init-stream.ts took its place.
    const digest = (m: YoloModel) => createHash('sha256').update(m.serialize()).digest('hex');
    expect(digest(track(createYoloModel({ size: 'n', nc: 2, seed: 7 })))).toBe('f0927de52eed87b4c90a482ca0c00f2479b21b55762596dbbc8f1bbd2bf098c9');
    expect(digest(track(createYoloModel({ size: 's', nc: 3, seed: 0 })))).toBe('4c8da4106f9c2e9b293e54b2651733f2e025a6b184c2176c83c3641ddd849684');
  });

  it('blank: zero conv weights, the same variables, and a seeded model loads into it exactly', () => {
    const seededModel = track(createYoloModel({ size: 'n', nc: 2, seed: 7 }));
    const blank = track(createYoloModel({ size: 'n', nc: 2, blank: true }));
    expect(blank.namedVariables().map((v) => [v.name, v.variable.shape])).toEqual(seededModel.namedVariables().map((v) => [v.name, v.variable.shape]));
    for (const w of blank.trainableVariables().weights) expect(tf.tidy(() => tf.max(tf.abs(w)).dataSync()[0])).toBe(0);
    blank.load(seededModel.serialize());
    expect(Buffer.from(blank.serialize()).equals(Buffer.from(seededModel.serialize()))).toBe(true);
  });
});

describe('training mode', () => {
  it("updates BatchNorm running stats as PyTorch does (momentum 0.03, unbiased variance)", () => {
    const m = track(createYoloModel({ size: 'n', nc: 2 }));
    const x = seeded([2, 64, 64, 3], 11) as tf.Tensor4D;
    tf.dispose(tf.tidy(() => m.forward(x, true)));
    const [w, mean, variance] = ['model.0.conv.weight', 'model.0.bn.running_mean', 'model.0.bn.running_var']
      .map((n) => m.namedVariables().find((v) => v.name === n)!.variable);
    tf.tidy(() => {
      const y = tf.conv2d(x, w as tf.Tensor4D, 2, [[0, 0], [2, 2], [2, 2], [0, 0]]);
      const mom = tf.moments(y, [0, 1, 2]);
      const count = y.size / y.shape[3];
      expect(relError(mean, tf.mul(mom.mean, 0.03))).toBeLessThan(1e-4);
      expect(relError(variance, tf.add(0.97, tf.mul(mom.variance, 0.03 * count / (count - 1))))).toBeLessThan(1e-5);
    });
  });

  it('gives gradients to every trainable variable', () => {
    const m = track(createYoloModel({ size: 'n', nc: 2 }));
    const vars = allTrainable(m);
    const x = seeded([2, 64, 64, 3], 12) as tf.Tensor4D;
    const { value, grads } = tf.variableGrads(() => squareLoss(m.forward(x, true)), vars);
    expect(Object.keys(grads)).toHaveLength(vars.length);
    for (const v of vars) {
      const g = grads[v.name].dataSync();
      expect(g.every(Number.isFinite), v.name).toBe(true);
      expect(g.some((e) => e !== 0), v.name).toBe(true);
    }
    tf.dispose([value, ...Object.values(grads)]);
  });

  it('fused gradients on wasm match plain-autodiff gradients on cpu', async () => {
    const fused = track(createYoloModel({ size: 'n', nc: 2, seed: 3, impl: 'fused' }));
    const reference = track(createYoloModel({ size: 'n', nc: 2, seed: 3, impl: 'reference' }));
    const x = seeded([2, 64, 64, 3], 13) as tf.Tensor4D;
    const run = (m: YoloModel) => tf.variableGrads(() => squareLoss(m.forward(x, true)), allTrainable(m));
    const a = run(fused);
    const b = await onBackend('cpu', () => run(reference));
    expect(relError(a.value, b.value)).toBeLessThan(1e-4);
    const names = allTrainable(fused).map((v) => v.name);
    const refNames = allTrainable(reference).map((v) => v.name);
    let worst = 0;
    names.forEach((n, i) => {
      worst = Math.max(worst, relError(a.grads[n], b.grads[refNames[i]]));
    });
    expect(worst).toBeLessThan(2e-3);
    tf.dispose([a.value, b.value, ...Object.values(a.grads), ...Object.values(b.grads)]);
  }, 180_000); // the cpu backend's reference gradient takes ~30 s

  it('leaks no tensors across training steps', () => {
    const m = track(createYoloModel({ size: 'n', nc: 2 }));
    const vars = allTrainable(m);
    const x = seeded([2, 64, 64, 3], 14) as tf.Tensor4D;
    const counts: number[] = [];
    for (let step = 0; step < 3; step++) {
      const { value, grads } = tf.variableGrads(() => squareLoss(m.forward(x, true)), vars);
      tf.dispose([value, ...Object.values(grads)]);
      tf.dispose(tf.tidy(() => m.forward(x, false)));
      counts.push(tf.memory().numTensors);
    }
    expect(counts[1]).toBe(counts[0]);
    expect(counts[2]).toBe(counts[0]);
  });
});

describe('serialize / load', () => {
  it('round-trips weights and running stats: identical eval outputs', () => {
    const a = track(createYoloModel({ size: 'n', nc: 3, seed: 1 }));
    const x = seeded([1, 64, 64, 3], 15) as tf.Tensor4D;
    tf.dispose(tf.tidy(() => a.forward(x, true))); // moves the running stats away from their init
    const b = track(createYoloModel({ size: 'n', nc: 3, seed: 2 }));
    const before = tf.tidy(() => b.forward(x, false));
    const expected = tf.tidy(() => a.forward(x, false));
    expect(relError(before[0], expected[0])).toBeGreaterThan(1e-3);
    b.load(a.serialize());
    const after = tf.tidy(() => b.forward(x, false));
    after.forEach((t, i) => expect(relError(t, expected[i])).toBe(0));
    tf.dispose([before, expected, after]);
  });

  it('refuses weights of another class count or foreign bytes, saying what differs', () => {
    const a = track(createYoloModel({ size: 'n', nc: 3 }));
    const b = track(createYoloModel({ size: 'n', nc: 4 }));
    expect(() => b.load(a.serialize())).toThrow(/saved with nc 3, this model has 4/);
    expect(() => b.load(new Uint8Array(64))).toThrow(/not an hpo YOLOv5 weights file/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createYoloModel, initBackend, type YoloModel } from '../../../../src/trainers/yolov5/model/index.ts';
import { fusedParamCount, kernelFlops, measureModelCost } from '../../../../src/trainers/yolov5/model/cost.ts';

let model: YoloModel;
beforeAll(async () => {
  await import('@tensorflow/tfjs-backend-cpu');
  expect(await initBackend('wasm')).toBe('wasm');
  model = createYoloModel({ size: 'n', nc: 80 });
}, 300_000);
afterAll(() => model?.dispose());

describe('model cost (x/params, x/gflops, x/latency_ms)', () => {
  it('counts conv FLOPs from kernel shapes', () => {
    // 3x3 conv 16 -> 32 on a 1x10x10 output: 2 * 100 * 32 * 9 * 16.
    expect(kernelFlops('FusedConv2D', [[1, 10, 10, 16], [3, 3, 16, 32]], [[1, 10, 10, 32]])).toBe(2 * 100 * 32 * 9 * 16);
    expect(kernelFlops('_FusedMatMul', [[1, 100, 16], [1, 16, 32]], [[1, 100, 32]])).toBe(2 * 100 * 32 * 16);
    expect(kernelFlops('Add', [[1, 4]], [[1, 4]])).toBe(0);
  });

  it("matches YOLOv5's published yolov5n: 1,867,405 fused parameters, 4.5 GFLOPs at 640", async () => {
    expect(fusedParamCount(model)).toBe(1_867_405);
    const cost = await measureModelCost(model, 640, 1);
    expect(cost['x/params']).toBe(1_867_405);
    expect(Math.abs(cost['x/gflops'] - 4.5) / 4.5).toBeLessThan(0.03);
    expect(cost['x/latency_ms']).toBeGreaterThan(0);
  }, 300_000);

  it('scales GFLOPs with the square of the image size', async () => {
    const small = await measureModelCost(model, 320, 1);
    const large = await measureModelCost(model, 640, 1);
    expect(large['x/gflops'] / small['x/gflops']).toBeCloseTo(4, 1);
  }, 300_000);
});

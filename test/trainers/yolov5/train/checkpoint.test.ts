import { describe, expect, it } from 'vitest';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint, isCheckpoint, type Checkpoint } from '../../../../src/trainers/yolov5/train/checkpoint.ts';

const ckpt: Checkpoint = {
  epoch: 4, bestFitness: 0.25, emaUpdates: 17, model: { size: 'n', nc: 3, imgSize: 128, names: ['a', 'b', 'c'] },
  params: { 'hyp/lr0': 0.01 }, weights: new Uint8Array([1, 2, 3]), ema: new Uint8Array([4, 5, 6, 7, 8]),
  optimizer: { name: 'SGD', step: 9, slots: [new Float32Array([0.5, -1]), new Float32Array([2])] }, createdAt: '2025-01-01T00:00:00.000Z',
};

describe('checkpoint', () => {
  it('round-trips every field', () => {
    const bytes = encodeCheckpoint(ckpt);
    expect(isCheckpoint(bytes)).toBe(true);
    const back = decodeCheckpoint(bytes, 'last.bin');
    expect(back).toEqual(ckpt);
    const noOpt = decodeCheckpoint(encodeCheckpoint({ ...ckpt, optimizer: undefined, ema: undefined }), 'best.bin');
    expect(noOpt.optimizer).toBeUndefined();
    expect(noOpt.ema).toBeUndefined();
    expect(Array.from(noOpt.weights)).toEqual([1, 2, 3]);
  });

  it('rejects foreign and truncated files, naming them', () => {
    expect(() => decodeCheckpoint(new Uint8Array([1, 2, 3]), 'w.pt')).toThrow(CheckpointError);
    expect(() => decodeCheckpoint(new Uint8Array([1, 2, 3]), 'w.pt')).toThrow(/^w.pt is not an hpo YOLOv5 checkpoint/);
    const bytes = encodeCheckpoint(ckpt);
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 4), 'last.bin')).toThrow(/last.bin/);
    expect(() => decodeCheckpoint(bytes.subarray(0, 20), 'last.bin')).toThrow(/last.bin is truncated/);
  });
});

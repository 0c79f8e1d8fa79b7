import { describe, expect, it } from 'vitest';
import { formatEpochLine, startEpochProgress } from '../../../../src/trainers/yolov5/train/progress.ts';

describe('epoch progress', () => {
  it('prints one summary line per epoch with losses, metrics and speed', () => {
    const line = formatEpochLine({
      epoch: 3, epochs: 10, best: true, trainImages: 256, trainSeconds: 12.8, valSeconds: 1.24,
      scalars: {
        'train/box_loss': 0.0812345, 'train/obj_loss': 0.02, 'train/cls_loss': 0.0301,
        'metrics/precision': 0.5, 'metrics/recall': 0.25, 'metrics/mAP_0.5': 0.31234, 'metrics/mAP_0.5:0.95': 0.1234567,
      },
    });
    expect(line).toBe('epoch 3/9: box 0.08123 obj 0.02 cls 0.0301 | P 0.5 R 0.25 mAP50 0.3123 mAP50-95 0.1235 (best) | train 12.8 s (20.0 img/s), val 1.2 s');
  });

  it('draws no bar when not attached to a terminal', () => {
    const writes: unknown[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: unknown) => writes.push(chunk) > 0) as typeof process.stderr.write;
    try {
      const bar = startEpochProgress(0, 3, 10, false);
      bar.update(5, { box: 1, obj: 1, cls: 1 });
      bar.stop();
    } finally {
      process.stderr.write = original;
    }
    expect(writes).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { getTrainer, TRAINER_TYPES } from '../../src/worker/trainer-registry.ts';
import { startTrainerEarly } from '../../src/worker/early-start.ts';
import { takeBatchThread } from '../../src/trainers/yolov5/data/batch-thread.ts';

describe('trainer registry', () => {
  it('names the known types when asked for an unknown one', async () => {
    await expect(getTrainer('yolo')).rejects.toThrow(/Unknown trainer type "yolo"\. Known trainers: function, yolov5, command, yolov5-ultralytics/);
    expect(TRAINER_TYPES).toContain('yolov5');
  });

  it("starts yolov5's batch thread early, for the run to take; other types have no early work", async () => {
    expect(await startTrainerEarly('function')).toBe(false);
    expect(await startTrainerEarly('no-such-type')).toBe(false);
    expect(await startTrainerEarly('yolov5')).toBe(true);
    const thread = takeBatchThread(true)!;
    try {
      expect(await thread.ready).toBe(true);
      // The early thread was taken: the next run starts a thread of its own.
      const next = takeBatchThread(true)!;
      expect(next).not.toBe(thread);
      await next.close();
    } finally {
      await thread.close();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { YOLO_DEFAULT_PARAMS, YOLO_PARAM_NAMES, parseYoloParams } from '../../../../src/trainers/yolov5/train/params.ts';
import { DEFAULT_HYP } from '../../../../src/trainers/yolov5/types.ts';

describe('parseYoloParams', () => {
  it('fills YOLOv5 defaults for every hyp and arg', () => {
    const { hyp, args, warnings } = parseYoloParams({});
    expect(hyp).toEqual(DEFAULT_HYP);
    expect(args).toEqual({
      epochs: 100, img: 640, batch: 16, cfg: 'n', data: '', weights: '', optimizer: 'SGD', cos_lr: false,
      label_smoothing: 0, seed: 0, cache: false, resume: false, save_period: -1, nbs: 64, backend: 'auto', noplots: false, plot_period: 10, workers: 8, replicas: 1,
    });
    expect(warnings).toEqual([]);
    expect(Object.keys(YOLO_DEFAULT_PARAMS)).toEqual(YOLO_PARAM_NAMES);
    expect(YOLO_DEFAULT_PARAMS['hyp/lr0']).toBe(0.01);
    expect(YOLO_DEFAULT_PARAMS['args/cfg']).toBe('yolov5n');
    expect(parseYoloParams(YOLO_DEFAULT_PARAMS).hyp).toEqual(DEFAULT_HYP);
  });

  it('types the values it is given', () => {
    const { hyp, args } = parseYoloParams({ 'hyp/lr0': 0.02, 'args/cfg': 'yolov5s', 'args/cos_lr': true, 'args/optimizer': 'AdamW', 'args/img': 128 });
    expect(hyp.lr0).toBe(0.02);
    expect(args).toMatchObject({ cfg: 's', cos_lr: true, optimizer: 'AdamW', img: 128 });
    expect(parseYoloParams({ 'args/cfg': 'x' }).args.cfg).toBe('x');
  });

  it('rounds img up to a multiple of 32 with a warning, as YOLOv5 does', () => {
    const { args, warnings } = parseYoloParams({ 'args/img': 100 });
    expect(args.img).toBe(128);
    expect(warnings).toEqual(['args/img=100 is not a multiple of max stride 32, updating to 128']);
  });

  it('rejects unknown keys, suggesting the closest and listing the known names', () => {
    expect(() => parseYoloParams({ 'hyp/lr': 0.1 })).toThrow(
      `Invalid yolov5 params:\n  ✖ unknown param "hyp/lr": did you mean "hyp/lr0"?\n  Known params: ${YOLO_PARAM_NAMES.join(', ')}`,
    );
    expect(() => parseYoloParams({ epochs: 3 })).toThrow('✖ unknown param "epochs": did you mean "args/epochs"?');
  });

  it('names the key, the received value and the expected type', () => {
    expect(() => parseYoloParams({ 'hyp/lr0': 'fast' })).toThrow(
      'Invalid yolov5 params:\n  ✖ Invalid input: expected number, received string (received "fast")\n    → at hyp/lr0',
    );
    expect(() => parseYoloParams({ 'args/epochs': 2.5 })).toThrow(
      'Invalid yolov5 params:\n  ✖ Invalid input: expected int, received number (received 2.5)\n    → at args/epochs',
    );
    expect(() => parseYoloParams({ 'args/cfg': 'yolov8n' })).toThrow(/expected one of "yolov5n"\|.*\(received "yolov8n"\)\n    → at args\/cfg/);
    expect(() => parseYoloParams({ 'hyp/fliplr': 1.5 })).toThrow(/Too big: expected number to be <=1 \(received 1.5\)\n    → at hyp\/fliplr/);
    expect(() => parseYoloParams({ 'args/cos_lr': 'true' })).toThrow(/expected boolean, received string \(received "true"\)\n    → at args\/cos_lr/);
    expect(() => parseYoloParams({ 'args/replicas': 0 })).toThrow(/Too small: expected number to be >=1 \(received 0\)\n    → at args\/replicas/);
    expect(() => parseYoloParams({ 'args/replicas': 3, 'args/batch': 2 })).toThrow(
      'args/replicas=3 is more than args/batch=2: each replica trains on a share of every batch; set args/replicas to at most 2',
    );
  });
});

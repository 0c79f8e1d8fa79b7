import { describe, expect, it } from 'vitest';
import { parseUltralyticsParams } from '../../../src/trainers/ultralytics/params.ts';
import { checkTrainerParams } from '../../../src/trainers/check-params.ts';

const message = (params: Record<string, string | number | boolean>): string => {
  try {
    parseUltralyticsParams(params);
  } catch (error) {
    expect((error as Error).name).toBe('ConfigError');
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('YOLOv5 v7.0 train.py params', () => {
  it('refuses an argument train.py does not have, naming the closest', () => {
    expect(message({ 'args/cos-lr': true })).toBe('Invalid params for YOLOv5 train.py (v7.0):\n  ✖ unknown param "args/cos-lr": did you mean "args/cos_lr"? (not an argument of train.py v7.0)');
    expect(message({ 'args/epoch': 3 })).toContain('did you mean "args/epochs"?');
    expect(message({ 'hyp/lr': 0.1 })).toContain('✖ unknown param "hyp/lr": did you mean "hyp/lr0"? (not a key of hyp.scratch-low.yaml)');
    expect(message({ 'args/zzzzzzzzzz': 1 })).toBe('Invalid params for YOLOv5 train.py (v7.0):\n  ✖ unknown param "args/zzzzzzzzzz" (not an argument of train.py v7.0)');
  });

  it('refuses a store_true flag with a value, a value flag with a boolean, a choice argparse rejects', () => {
    expect(message({ 'args/cos_lr': 1 })).toContain('✖ args/cos_lr is a store_true flag (--cos-lr): use true or false, got 1');
    expect(message({ 'args/epochs': true })).toContain('✖ args/epochs takes a value (--epochs VALUE), got true');
    expect(message({ 'args/optimizer': 'sgd' })).toContain('✖ args/optimizer must be one of SGD, Adam, AdamW, got "sgd"');
  });

  it('refuses the args hpo sets itself, a doubled alias and foreign sections, all in one message', () => {
    const text = message({ 'args/project': 'runs', 'args/img': 64, 'args/imgsz': 64, 'fault/mode': 'x' });
    expect(text.split('\n')).toEqual([
      'Invalid params for YOLOv5 train.py (v7.0):',
      '  ✖ args/project is set by hpo (each trial runs in its own folder: --project <trial dir> --name exp --exist-ok); remove it',
      '  ✖ args/img and args/imgsz are the same train.py argument (--imgsz); keep one',
      '  ✖ "fault/mode": YOLOv5 params are hyp/<name> (hyp.yaml) or args/<name> (train.py flags)',
    ]);
  });

  it('accepts aliases and optional-value args, and splits hyp from args', () => {
    expect(parseUltralyticsParams({ 'args/yolov5_dir': '/y', 'args/img': 320, 'args/batch': 8, 'args/cache': 'disk', 'args/resume': true, 'hyp/lr0': 0.02 })).toEqual({
      yolov5Dir: '/y',
      hyp: { lr0: 0.02 },
      args: { imgsz: 320, batch_size: 8, cache: 'disk', resume: true },
    });
  });

  it('is what hpo checks before it stores a task of this trainer (other trainers take anything)', async () => {
    await expect(checkTrainerParams({ type: 'yolov5-ultralytics' }, { 'args/noplot': true })).rejects.toThrow('did you mean "args/noplots"?');
    await expect(checkTrainerParams({ type: 'command', command: 'x' }, { 'args/noplot': true })).resolves.toBeUndefined();
  });
});

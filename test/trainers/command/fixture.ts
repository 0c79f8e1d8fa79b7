import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Params } from '../../../src/core/index.ts';

/** The stand-in YOLOv5 checkout: train.py and data/hyps/hyp.scratch-low.yaml of our own. */
export const FIXTURE_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const FIXTURE_TRAIN = path.join(FIXTURE_DIR, 'train.py');

/**
 * The interpreter behind `python3`, resolved once: a version-manager shim (pyenv) costs seconds
 * per start, and a trial starts python several times.
 */
export const PYTHON = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();

/** A yolov5-ultralytics trainer record running the fixture; `epochSeconds` paces its epochs. */
export function fixtureTrainer(epochSeconds = 0.05, extra: Record<string, unknown> = {}) {
  return { type: 'yolov5-ultralytics', python: PYTHON, pollSeconds: 0.1, graceSeconds: 5, env: { FAKE_EPOCH_SECONDS: String(epochSeconds) }, ...extra };
}

/** Params like the template's, pointed at the fixture checkout. */
export function fixtureParams(overrides: Params = {}): Params {
  return { 'args/yolov5_dir': FIXTURE_DIR, 'args/epochs': 3, 'args/weights': '', 'args/imgsz': 64, 'hyp/lr0': 0.01, ...overrides };
}

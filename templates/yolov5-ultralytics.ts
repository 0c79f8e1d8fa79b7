/**
 * Template: Ultralytics YOLOv5 v7.0's own train.py (PyTorch), unchanged, as hpo's trainer. Each
 * trial runs `python3 <yolov5_dir>/train.py ... --project <trial dir> --name exp --exist-ok`
 * with the `hyp/*` params in a hyp.yaml merged over the checkout's hyp.scratch-low.yaml, and
 * reports its results.csv columns per epoch (`metrics/mAP_0.5:0.95` ranks trials).
 *
 * Needs a YOLOv5 checkout: `git clone -b v7.0 https://github.com/ultralytics/yolov5` and
 * `YOLOV5_DIR=/path/to/yolov5` (or `--set args/yolov5_dir=...`), and a python with its
 * requirements (`HPO_PYTHON` picks the interpreter; default `python3`). `args/data` is relative
 * to the checkout or absolute; this one is the synthetic set of `hpo data synth --out
 * .hpo/datasets/synth-128`, resolved from where the task is created. Params use train.py's
 * argparse names (`args/batch_size`, `args/cos_lr`); flags are spelled as train.py spells them.
 */
import path from 'node:path';
import { defineTemplate } from '../src/config/template.ts';

export default defineTemplate({
  name: 'yolov5-ultralytics',
  project: 'yolov5',
  trainer: { type: 'yolov5-ultralytics', env: { YOLOv5_AUTOINSTALL: 'false' } },
  tags: ['yolov5', 'ultralytics', 'pytorch'],
  params: {
    'args/yolov5_dir': process.env.YOLOV5_DIR ?? 'yolov5',
    'args/data': path.resolve('.hpo/datasets/synth-128/data.yaml'),
    'args/cfg': 'models/yolov5n.yaml',
    'args/weights': '',
    'args/imgsz': 128,
    'args/batch_size': 16,
    'args/epochs': 30,
    'args/workers': 0,
    'args/device': 'cpu',
    'args/optimizer': 'SGD',
    'args/cos_lr': false,
    'args/noplots': false,
    'hyp/lr0': 0.01,
    'hyp/momentum': 0.937,
    'hyp/weight_decay': 0.0005,
    'hyp/warmup_epochs': 3,
    'hyp/mosaic': 1,
    'hyp/mixup': 0,
  },
});

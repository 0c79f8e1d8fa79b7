/**
 * Template: YOLOv5 on the synthetic shapes dataset, sized so a study of several trials
 * finishes within 15 minutes on 2 cores (one trial per core) and its best trial visibly learns.
 *
 * Dataset: `.hpo/datasets/synth-128/data.yaml`, relative to the working directory. Create it
 * with `hpo data synth --out .hpo/datasets/synth-128` (256 train / 64 val images, 128 px,
 * 3 shape classes, seed 0: the generator's defaults); the demo does this for you.
 *
 * Sizing, measured here (yolov5n, WASM, one core, 13-17 img/s on a shared machine): 16 epochs
 * of 256 images take about 4-6 minutes per trial, so 2 trials at a time run 4-6 trials in 15. From scratch, YOLOv5's defaults (batch 16, nominal batch 64)
 * take one optimizer step per 64 images, 4 per epoch, and barely leave warmup in 20 epochs
 * (Ultralytics itself reaches mAP@0.5:0.95 0.006 there). Batch 8 with a nominal batch of 16
 * gives 16 steps per epoch: in a 30-epoch run mAP@0.5:0.95 measured 0.001 after epoch 0, 0.04
 * at epoch 8, 0.11-0.14 at epochs 12-13 and 0.20 at epoch 28, so learning shows within the
 * budget without shipped weights (a shorter run decays lr sooner, which helps late epochs).
 */
import { defineTemplate } from '../src/config/template.ts';
import { YOLO_DEFAULT_PARAMS } from '../src/trainers/yolov5/train/params.ts';

export default defineTemplate({
  name: 'yolov5-synthetic',
  project: 'yolov5-demo',
  trainer: { type: 'yolov5' },
  tags: ['yolov5', 'synthetic', 'demo'],
  params: {
    ...YOLO_DEFAULT_PARAMS,
    'args/data': '.hpo/datasets/synth-128/data.yaml',
    'args/cfg': 'yolov5n',
    'args/img': 128,
    'args/batch': 8,
    'args/nbs': 16,
    'args/epochs': 16,
    'args/cache': true,
  },
});

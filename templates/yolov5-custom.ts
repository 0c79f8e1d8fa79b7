/**
 * Template: YOLOv5 on your own dataset, with YOLOv5's train.py defaults (hyp.scratch-low.yaml,
 * 640 px, batch 16, 100 epochs, SGD). Point `args/data` at your dataset yaml (path, train,
 * val, nc, names; YOLO-format labels under labels/ next to images/). `args/weights` may name a
 * local weights file or another task's artifact (`<task-id>/best.bin`) to fine-tune from.
 * At 640 px yolov5s wants a GPU agent (tfjs-node-gpu); on CPU lower `args/img` and use yolov5n.
 */
import { defineTemplate } from '../src/config/template.ts';
import { YOLO_DEFAULT_PARAMS } from '../src/trainers/yolov5/train/params.ts';

export default defineTemplate({
  name: 'yolov5-custom',
  project: 'yolov5',
  trainer: { type: 'yolov5' },
  tags: ['yolov5', 'custom-data'],
  params: {
    ...YOLO_DEFAULT_PARAMS,
    'args/data': 'data/custom.yaml',
    'args/cfg': 'yolov5s',
    'args/img': 640,
    'args/batch': 16,
    'args/epochs': 100,
  },
});

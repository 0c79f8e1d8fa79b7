/**
 * The arguments of Ultralytics YOLOv5 v7.0's train.py, written from reading its argparse
 * (`parse_opt`): each param name (`args/<dest>`, underscores, as argparse stores it), the flag
 * train.py spells, and how argparse takes it. `switch` is store_true (bare flag when true);
 * `optional` is nargs='?' with a const (bare flag when true, `flag value` otherwise, e.g.
 * `--cache disk`); `list` is nargs='+' (`--freeze 0 1 2`).
 */
export type ArgKind = 'value' | 'switch' | 'optional' | 'list';

export interface TrainArg {
  flag: string;
  kind: ArgKind;
  /** argparse's own spellings of the same dest that we accept as param names too (`img` for imgsz). */
  aliases?: readonly string[];
}

export const TRAIN_ARGS_V7: Readonly<Record<string, TrainArg>> = {
  weights: { flag: '--weights', kind: 'value' },
  cfg: { flag: '--cfg', kind: 'value' },
  data: { flag: '--data', kind: 'value' },
  hyp: { flag: '--hyp', kind: 'value' },
  epochs: { flag: '--epochs', kind: 'value' },
  // argparse accepts the unique prefix `--batch`; hpo's own trainer calls it args/batch.
  batch_size: { flag: '--batch-size', kind: 'value', aliases: ['batch'] },
  imgsz: { flag: '--imgsz', kind: 'value', aliases: ['img', 'img_size'] },
  rect: { flag: '--rect', kind: 'switch' },
  resume: { flag: '--resume', kind: 'optional' },
  nosave: { flag: '--nosave', kind: 'switch' },
  noval: { flag: '--noval', kind: 'switch' },
  noautoanchor: { flag: '--noautoanchor', kind: 'switch' },
  noplots: { flag: '--noplots', kind: 'switch' },
  evolve: { flag: '--evolve', kind: 'optional' },
  bucket: { flag: '--bucket', kind: 'value' },
  cache: { flag: '--cache', kind: 'optional' },
  image_weights: { flag: '--image-weights', kind: 'switch' },
  device: { flag: '--device', kind: 'value' },
  multi_scale: { flag: '--multi-scale', kind: 'switch' },
  single_cls: { flag: '--single-cls', kind: 'switch' },
  optimizer: { flag: '--optimizer', kind: 'value' },
  sync_bn: { flag: '--sync-bn', kind: 'switch' },
  workers: { flag: '--workers', kind: 'value' },
  project: { flag: '--project', kind: 'value' },
  name: { flag: '--name', kind: 'value' },
  exist_ok: { flag: '--exist-ok', kind: 'switch' },
  quad: { flag: '--quad', kind: 'switch' },
  cos_lr: { flag: '--cos-lr', kind: 'switch' },
  label_smoothing: { flag: '--label-smoothing', kind: 'value' },
  patience: { flag: '--patience', kind: 'value' },
  freeze: { flag: '--freeze', kind: 'list' },
  save_period: { flag: '--save-period', kind: 'value' },
  seed: { flag: '--seed', kind: 'value' },
  local_rank: { flag: '--local_rank', kind: 'value' },
  entity: { flag: '--entity', kind: 'value' },
  upload_dataset: { flag: '--upload_dataset', kind: 'optional' },
  bbox_interval: { flag: '--bbox_interval', kind: 'value' },
  artifact_alias: { flag: '--artifact_alias', kind: 'value' },
};

/** Choices argparse enforces (`choices=`), checked before a trial starts. */
export const ARG_CHOICES: Readonly<Record<string, readonly string[]>> = {
  optimizer: ['SGD', 'Adam', 'AdamW'],
};

/** Args hpo sets itself: every trial writes into its own folder. (`args/hyp` names the defaults `hyp/*` merge over.) */
export const MANAGED_ARGS: ReadonlySet<string> = new Set(['project', 'name', 'exist_ok']);

/** The keys of v7.0's data/hyps/hyp.scratch-low.yaml, the hyps train.py reads. */
export const HYP_KEYS_V7: readonly string[] = [
  'lr0', 'lrf', 'momentum', 'weight_decay', 'warmup_epochs', 'warmup_momentum', 'warmup_bias_lr', 'box', 'cls', 'cls_pw', 'obj',
  'obj_pw', 'iou_t', 'anchor_t', 'anchors', 'fl_gamma', 'hsv_h', 'hsv_s', 'hsv_v', 'degrees', 'translate', 'scale', 'shear',
  'perspective', 'flipud', 'fliplr', 'mosaic', 'mixup', 'copy_paste',
];

/** Params of the trainer that are not train.py arguments. */
export const TRAINER_ARGS: ReadonlySet<string> = new Set(['yolov5_dir']);

/**
 * The YOLOv5 trainer's params: every hyp of YOLOv5's hyp.scratch-low.yaml under `hyp/` and the
 * run arguments of train.py under `args/`, as one strict zod schema over the flat Params map.
 */
import { z } from 'zod';
import { ConfigError, closestName, type Params } from '../../../core/index.ts';
import { formatIssues } from '../../../core/parse-input.ts';
import { DEFAULT_HYP, type Hyp } from '../types.ts';

export type ModelSize = 'n' | 's' | 'm' | 'l' | 'x';
export type OptimizerName = 'SGD' | 'Adam' | 'AdamW';
export type BackendChoice = 'auto' | 'wasm' | 'cpu' | 'tensorflow';

/** The run arguments, typed (train.py's argparse options we support). */
export interface YoloArgs {
  epochs: number;
  /** Network input size in pixels, rounded up to a multiple of the max stride (32) as YOLOv5 does. */
  img: number;
  batch: number;
  /** Model size letter, parsed from `yolov5n` or `n`. */
  cfg: ModelSize;
  /** Dataset yaml path ('' when unset: the trainer rejects it). */
  data: string;
  /** '' (from scratch), a local weights file, or `<task-id>/best.bin` (another task's artifact). */
  weights: string;
  optimizer: OptimizerName;
  cos_lr: boolean;
  label_smoothing: number;
  seed: number;
  cache: boolean;
  resume: boolean;
  /** Also keep `epoch<N>.bin` every this many epochs (YOLOv5's --save-period); -1 never. */
  save_period: number;
  /** Nominal batch size: gradients accumulate to about this many images per optimizer step. */
  nbs: number;
  /** TF.js backend; 'auto' picks the fastest installed (tfjs-node-gpu > tfjs-node > wasm > cpu). */
  backend: BackendChoice;
  /** YOLOv5's --noplots: no plots/ and debug/ images. */
  noplots: boolean;
  /** Validation images with labels and predictions every this many epochs (and after the last); 0: after the last only. */
  plot_period: number;
  /** YOLOv5's --workers (max dataloader workers): 0 builds training batches on the training thread, >= 1 in one batch thread. */
  workers: number;
  /**
   * Training threads, each running the forward and backward pass of its share of every batch with
   * the gradients summed before the optimizer step (YOLOv5's DDP, without SyncBN); 1 trains on
   * the trial's own thread alone. For the wasm and cpu backends, which run one thread each.
   */
  replicas: number;
}

export interface YoloParams {
  hyp: Hyp;
  args: YoloArgs;
  /** Adjustments made while parsing (e.g. img rounded up to a multiple of 32), for the task log. */
  warnings: string[];
}

const MAX_STRIDE = 32;
const nonNeg = z.number().finite().nonnegative();
const prob = z.number().finite().min(0).max(1);

// Bounds: what YOLOv5's code can run with (its evolve meta bounds are search ranges, not validity).
const hypShape = {
  lr0: z.number().finite().positive(),
  lrf: z.number().finite().positive().max(1),
  momentum: z.number().finite().min(0).lt(1),
  weight_decay: nonNeg,
  warmup_epochs: nonNeg,
  warmup_momentum: z.number().finite().min(0).lt(1),
  warmup_bias_lr: nonNeg,
  box: nonNeg,
  cls: nonNeg,
  cls_pw: z.number().finite().positive(),
  obj: nonNeg,
  obj_pw: z.number().finite().positive(),
  iou_t: prob,
  anchor_t: z.number().finite().gt(1),
  fl_gamma: nonNeg,
  hsv_h: prob,
  hsv_s: prob,
  hsv_v: prob,
  degrees: z.number().finite().min(0).max(360),
  translate: z.number().finite().min(0).lt(1),
  scale: z.number().finite().min(0).lt(1),
  shear: z.number().finite().min(0).max(90),
  perspective: z.number().finite().min(0).max(0.001),
  flipud: prob,
  fliplr: prob,
  mosaic: prob,
  mixup: prob,
  copy_paste: prob,
} satisfies Record<keyof Hyp, z.ZodType>;

const cfgSchema = z
  .enum(['yolov5n', 'yolov5s', 'yolov5m', 'yolov5l', 'yolov5x', 'yolov5n.yaml', 'yolov5s.yaml', 'yolov5m.yaml', 'yolov5l.yaml', 'yolov5x.yaml', 'n', 's', 'm', 'l', 'x'])
  .transform((v) => (v.length === 1 ? v : v.slice(6, 7)) as ModelSize);

const argsShape = {
  epochs: z.number().int().min(1).default(100),
  img: z.number().int().min(32).max(4096).default(640),
  batch: z.number().int().min(1).max(1024).default(16),
  cfg: cfgSchema.prefault('yolov5n'),
  data: z.string().default(''),
  weights: z.string().default(''),
  optimizer: z.enum(['SGD', 'Adam', 'AdamW']).default('SGD'),
  cos_lr: z.boolean().default(false),
  label_smoothing: z.number().finite().min(0).lt(1).default(0),
  seed: z.number().int().min(0).default(0),
  cache: z.boolean().default(false),
  resume: z.boolean().default(false),
  save_period: z.number().int().min(-1).refine((v) => v !== 0, { message: 'save_period must be >= 1 (epochs), or -1 to turn it off' }).default(-1),
  nbs: z.number().int().min(1).default(64),
  backend: z.enum(['auto', 'wasm', 'cpu', 'tensorflow']).default('auto'),
  noplots: z.boolean().default(false),
  plot_period: z.number().int().min(0).default(10),
  workers: z.number().int().min(0).default(8),
  replicas: z.number().int().min(1).max(64).default(1),
};

const ARG_DEFAULTS: Omit<YoloArgs, 'cfg'> & { cfg: string } = {
  epochs: 100, img: 640, batch: 16, cfg: 'yolov5n', data: '', weights: '', optimizer: 'SGD',
  cos_lr: false, label_smoothing: 0, seed: 0, cache: false, resume: false, save_period: -1, nbs: 64, backend: 'auto', noplots: false, plot_period: 10,
  workers: 8, replicas: 1,
};

const flatShape: Record<string, z.ZodType> = {};
for (const [name, schema] of Object.entries(hypShape)) flatShape[`hyp/${name}`] = schema.default(DEFAULT_HYP[name as keyof Hyp]);
for (const [name, schema] of Object.entries(argsShape)) flatShape[`args/${name}`] = schema;

/** The strict schema over the flat map: `hyp/lr0`, `args/epochs`, ... with YOLOv5's defaults. */
export const yoloParamsSchema = z.strictObject(flatShape);

/** Every param name this trainer knows, hyp first, in YOLOv5's order. */
export const YOLO_PARAM_NAMES: readonly string[] = Object.keys(flatShape);

/** The defaults as a flat Params map, for templates (a template overrides what it needs). */
export const YOLO_DEFAULT_PARAMS: Params = {
  ...Object.fromEntries(Object.entries(DEFAULT_HYP).map(([k, v]) => [`hyp/${k}`, v])),
  ...Object.fromEntries(Object.entries(ARG_DEFAULTS).map(([k, v]) => [`args/${k}`, v])),
};

/**
 * Parses a task's flat params into typed `{ hyp, args }`, filling YOLOv5's defaults.
 * Throws ConfigError naming each bad key with its received value and the expected type, and
 * for unknown keys the closest known name and the full list of known names.
 */
export function parseYoloParams(params: Params): YoloParams {
  const unknown = Object.keys(params).filter((k) => !(k in flatShape));
  if (unknown.length) {
    const lines = unknown.map((k) => {
      const near = closest(k, YOLO_PARAM_NAMES);
      return `  ✖ unknown param "${k}"${near ? `: did you mean "${near}"?` : ''}`;
    });
    throw new ConfigError(
      `Invalid yolov5 params:\n${lines.join('\n')}\n  Known params: ${YOLO_PARAM_NAMES.join(', ')}`,
    );
  }
  const result = yoloParamsSchema.safeParse(params, { reportInput: true });
  if (!result.success) throw new ConfigError(formatIssues(result.error.issues, 'yolov5 params'));
  const flat = result.data as Record<string, unknown>;
  const hyp = Object.fromEntries(Object.keys(hypShape).map((k) => [k, flat[`hyp/${k}`]])) as unknown as Hyp;
  const args = Object.fromEntries(Object.keys(argsShape).map((k) => [k, flat[`args/${k}`]])) as unknown as YoloArgs;
  const warnings: string[] = [];
  const img = Math.ceil(args.img / MAX_STRIDE) * MAX_STRIDE;
  if (img !== args.img) {
    warnings.push(`args/img=${args.img} is not a multiple of max stride ${MAX_STRIDE}, updating to ${img}`);
    args.img = img;
  }
  if (args.replicas > args.batch) {
    throw new ConfigError(`args/replicas=${args.replicas} is more than args/batch=${args.batch}: each replica trains on a share of every batch; set args/replicas to at most ${args.batch}`);
  }
  return { hyp, args, warnings };
}

/** The known name within edit distance 3 of `name`; a bare name like `lr0` finds `hyp/lr0`. */
function closest(name: string, names: readonly string[]): string | undefined {
  return closestName(name, names, { maxDistance: 3 }) ?? names.find((n) => n.endsWith(`/${name}`));
}

/**
 * Setting up a YOLOv5 run (train.py before its epoch loop): params, backend, dataset, model,
 * starting weights, optimizer, EMA, and the state of a resumed run. The loop is in train.ts.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, type Params } from '../../../core/index.ts';
import type { TrainerContext } from '../../../worker/trainer.ts';
import { decodeCheckpoint, isCheckpoint, type Checkpoint } from './checkpoint.ts';
import { createBatches, loadDatasetConfig, openImageSet, type BatchOptions, type DatasetConfig, type ImageSet } from '../data/index.ts';
import { takeBatchThread, type BatchThread } from '../data/batch-thread.ts';
import type { Batch } from '../types.ts';
import { ModelEMA } from './ema.ts';
import { createYoloModel, initBackend, type YoloModel } from '../model/index.ts';
import { createSeededModel } from '../model/init-cache.ts';
import { defaultCacheDir } from '../../../datasets/index.ts';
import { YoloOptimizer } from './optimizer.ts';
import { parseYoloParams, type YoloParams } from './params.ts';
import { truncateResults } from './results-csv.ts';
import { startReplica, weightValues, type Replica } from './replica.ts';
import type { LossOptions } from '../loss/loss.ts';
import { DEFAULT_ANCHORS, STRIDES } from '../types.ts';
import { baseAccumulate, scaledWeightDecay } from './schedule.ts';

/** Everything the epoch loop needs; `dispose` frees the tensors. */
export interface TrainingRun {
  params: YoloParams;
  rawParams: Params;
  backend: string;
  dataset: DatasetConfig;
  trainSet: ImageSet;
  valSet: ImageSet;
  model: YoloModel;
  /** A second model instance holding the EMA weights; validation runs it. */
  emaModel: YoloModel;
  ema: ModelEMA;
  optimizer: YoloOptimizer;
  /** First epoch to train (0, or the one after a resumed checkpoint's). */
  startEpoch: number;
  bestFitness: number;
  /** results.csv text so far (kept across a resume). */
  csv: string;
  /** Builds the training batches beside the step (absent with args/workers 0). */
  batchThread?: BatchThread;
  /** The start epoch's training batches, their first already building (absent on a resume). */
  firstBatches?: AsyncIterable<Batch>;
  /** The loss settings of this run's model and data. */
  lossOptions: LossOptions;
  /** Replica threads (`args/replicas` - 1), each training on a share of every batch; empty for one. */
  replicas: Replica[];
  /** Frees the tensors and ends the batch thread. */
  dispose(): Promise<void>;
}

/** The training batches of `epoch` as train.py's dataloader gives them: augmented, shuffled by (seed, epoch). */
export function trainBatchOptions(params: YoloParams, epoch: number): BatchOptions {
  const { args, hyp } = params;
  return { imgSize: args.img, batchSize: args.batch, hyp, augment: true, shuffle: true, seed: `${args.seed}:${epoch}`, cache: args.cache };
}

/**
 * performance.mark names along a run's start-up, for bench:trial-startup (marks are in ms since
 * the process started): prepareRun entered, backend ready (after the train set is open), both
 * sets open, model and optimizer built, the first batch going into the model, and that batch's
 * step done.
 */
export const STARTUP_MARKS = {
  prepare: 'yolov5:prepare', backend: 'yolov5:backend-ready', data: 'yolov5:data-ready', model: 'yolov5:model-ready',
  firstStep: 'yolov5:first-step', firstStepDone: 'yolov5:first-step-done',
} as const;

// A task id as the store allows it (1-64 of [A-Za-z0-9_-]), then one artifact name.
const ARTIFACT_REF = /^([A-Za-z0-9_-]{1,64})\/([^/]+)$/;

/**
 * Builds a run from a task's params: parses them, starts the backend (logged), opens the
 * dataset, creates the model (from `args/weights` if set) and the optimizer/EMA, and with
 * `args/resume` reloads the task's last.bin. Throws ConfigError/DatasetError on bad input.
 */
export async function prepareRun(rawParams: Params, ctx: TrainerContext): Promise<TrainingRun> {
  performance.mark(STARTUP_MARKS.prepare);
  const params = parseYoloParams(rawParams);
  const { args } = params;
  for (const w of params.warnings) ctx.log(`warning: ${w}`);
  // Started first (or preloaded by a spare process): the thread loads its modules while the
  // backend, data and model are set up.
  const batchThread = takeBatchThread(args.workers > 0);
  try {
    return await setUp(params, rawParams, ctx, batchThread);
  } catch (error) {
    await batchThread?.close();
    throw error;
  }
}

async function setUp(params: YoloParams, rawParams: Params, ctx: TrainerContext, batchThread: BatchThread | undefined): Promise<TrainingRun> {
  const { args, hyp } = params;
  if (args.data === '') throw new ConfigError('args/data is empty: set it to a dataset yaml (path, train, val, nc, names), e.g. args/data=.hpo/datasets/synth-128/data.yaml');
  const dataset = loadDatasetConfig(args.data);
  const trainSet = await openImageSet(dataset.train, { nc: dataset.nc });
  // The train set first: the thread builds the first batch while the backend starts, the val set
  // is read and the model built (that batch was the last thing a first step waited for).
  batchThread?.open(trainSet);
  const firstBatches = batchThread && !args.resume ? createBatches(trainSet, trainBatchOptions(params, 0), batchThread.build) : undefined;
  const backend = await initBackend(args.backend === 'auto' ? undefined : args.backend);
  performance.mark(STARTUP_MARKS.backend);
  ctx.log(`yolov5: TF.js backend ${backend}`);
  await ctx.recordEnvironment({ backend });

  const valSet = await openImageSet(dataset.val, { nc: dataset.nc });
  for (const w of [...trainSet.warnings, ...valSet.warnings]) ctx.log(`warning: ${w}`);
  ctx.log(`yolov5: data ${dataset.file}: ${trainSet.files.length} train, ${valSet.files.length} val images, ${dataset.nc} classes`);
  performance.mark(STARTUP_MARKS.data);
  const lossOptions: LossOptions = {
    nc: dataset.nc, imgSize: args.img, anchors: DEFAULT_ANCHORS, strides: STRIDES, hyp, labelSmoothing: args.label_smoothing,
  };
  // Started before the model is built: a replica loads its backend and model meanwhile.
  let replicas: Replica[] = [];
  if (args.replicas > 1 && (backend === 'wasm' || backend === 'cpu')) {
    replicas = Array.from({ length: args.replicas - 1 }, (_, k) => startReplica({ size: args.cfg, nc: dataset.nc, backend, loss: lossOptions }, k + 1));
    ctx.log(`yolov5: ${args.replicas} replicas: each batch of ${args.batch} trains in ${args.replicas} shares at once, gradients summed`);
  } else if (args.replicas > 1) {
    ctx.log(`warning: args/replicas=${args.replicas} is for the wasm and cpu backends (one thread each); the ${backend} backend uses its own threads, so this run trains on one`);
  }

  // The seed's initial weights, drawn by the first trial on this machine and read by later ones.
  const model = createSeededModel({ size: args.cfg, nc: dataset.nc, seed: args.seed }, join(defaultCacheDir(), 'init'));
  // ModelEMA starts the average as a copy of `model`: the EMA instance's own draw would be wasted.
  const emaModel = createYoloModel({ size: args.cfg, nc: dataset.nc, blank: true });
  const disposeModels = () => {
    model.dispose?.();
    emaModel.dispose?.();
  };
  try {
    let resumeFrom: Checkpoint | undefined;
    if (args.resume) resumeFrom = await findResumeCheckpoint(ctx);
    if (resumeFrom) {
      checkCompatible(resumeFrom, 'last.bin', args.cfg, dataset.nc);
      model.load(resumeFrom.weights);
    } else if (args.weights !== '') {
      const { bytes, source } = await readWeights(args.weights, ctx);
      let weights = bytes;
      if (isCheckpoint(bytes)) {
        const ckpt = decodeCheckpoint(bytes, source);
        checkCompatible(ckpt, source, args.cfg, dataset.nc);
        weights = ckpt.ema ?? ckpt.weights; // a fine-tune starts from the EMA, as strip_optimizer leaves it
      }
      try {
        model.load(weights);
      } catch (error) {
        throw new ConfigError(`args/weights="${args.weights}": cannot load ${source}: ${(error as Error).message}`, { cause: error });
      }
      ctx.log(`yolov5: starting from weights ${source}`);
    }

    const groups = model.trainableVariables();
    const accumulate = baseAccumulate({ nbs: args.nbs, batchSize: args.batch });
    const weightDecay = scaledWeightDecay(hyp.weight_decay, { nbs: args.nbs, batchSize: args.batch });
    const optimizer = new YoloOptimizer(groups, { name: args.optimizer, weightDecay, beta1: hyp.momentum });
    ctx.log(
      `yolov5: yolov5${args.cfg} ${model.paramCount()} params; ${args.optimizer}(lr=${hyp.lr0}) with parameter groups ` +
        `${groups.bnWeights.length} weight(decay=0.0), ${groups.weights.length} weight(decay=${weightDecay}), ${groups.biases.length} bias; ` +
        `accumulate ${accumulate} batches of ${args.batch} (nbs ${args.nbs})`,
    );
    const ema = new ModelEMA(emaSources(model), emaSources(emaModel));

    let startEpoch = 0;
    let bestFitness = 0;
    let csv = '';
    if (resumeFrom) {
      if (resumeFrom.ema) emaModel.load(resumeFrom.ema);
      ema.updates = resumeFrom.emaUpdates;
      if (resumeFrom.optimizer) optimizer.setState(resumeFrom.optimizer);
      startEpoch = resumeFrom.epoch + 1;
      bestFitness = resumeFrom.bestFitness;
      csv = truncateResults(await readPrevious(ctx, 'results.csv'), startEpoch);
      ctx.log(`yolov5: resuming from last.bin at epoch ${startEpoch} of ${args.epochs} (best fitness ${bestFitness.toFixed(5)})`);
    }
    const weights = replicas.length > 0 ? weightValues(optimizer.variables()) : [];
    for (const replica of replicas) replica.setWeights(weights);
    performance.mark(STARTUP_MARKS.model);
    return {
      params, rawParams, backend, dataset, trainSet, valSet, model, emaModel, ema, optimizer, startEpoch, bestFitness, csv, batchThread, firstBatches,
      lossOptions, replicas,
      dispose: async () => {
        optimizer.dispose();
        disposeModels();
        await Promise.all([batchThread?.close(), ...replicas.map((r) => r.close())]);
      },
    };
  } catch (error) {
    disposeModels();
    await Promise.all(replicas.map((r) => r.close()));
    throw error;
  }
}

/** The variables an EMA averages, in a fixed order: trainable groups, then BatchNorm running stats. */
export function emaSources(model: YoloModel): tf.Variable[] {
  const g = model.trainableVariables();
  return [...g.biases, ...g.weights, ...g.bnWeights, ...model.stateVariables()];
}

function checkCompatible(ckpt: Checkpoint, source: string, size: string, nc: number): void {
  if (ckpt.model.size !== size || ckpt.model.nc !== nc) {
    throw new ConfigError(
      `${source} holds yolov5${ckpt.model.size} with nc=${ckpt.model.nc}, but this run builds yolov5${size} with nc=${nc}: ` +
        `set args/cfg=yolov5${ckpt.model.size} and use a dataset with ${ckpt.model.nc} classes, or clear args/weights`,
    );
  }
}

/** Reads `args/weights`: a local file (relative to the working directory) or `<task-id>/<artifact>`. */
async function readWeights(ref: string, ctx: TrainerContext): Promise<{ bytes: Uint8Array; source: string }> {
  const path = resolve(ref);
  if (existsSync(path)) return { bytes: new Uint8Array(await readFile(path)), source: path };
  const m = ARTIFACT_REF.exec(ref);
  if (m && ctx.getArtifact) {
    try {
      return { bytes: await ctx.getArtifact(m[1], m[2]), source: `artifact ${m[2]} of task ${m[1]}` };
    } catch (error) {
      throw new ConfigError(`args/weights="${ref}": cannot read artifact "${m[2]}" of task "${m[1]}" (${(error as Error).message}). Check the task id with \`hpo tasks list\``, { cause: error });
    }
  }
  throw new ConfigError(
    `args/weights="${ref}": no such file (${path})${m ? ' and no task store to read artifacts from' : ''}. ` +
      'Use a local weights file, `<task-id>/best.bin`, or "" to train from scratch',
  );
}

/** This task's last.bin: the work folder first, then the task's stored artifact. */
async function findResumeCheckpoint(ctx: TrainerContext): Promise<Checkpoint | undefined> {
  const bytes = await readPreviousBytes(ctx, 'last.bin');
  if (!bytes) {
    ctx.log(`yolov5: args/resume is set but task ${ctx.taskId} has no last.bin yet; starting from epoch 0`);
    return undefined;
  }
  return decodeCheckpoint(bytes, `last.bin of task ${ctx.taskId}`);
}

async function readPreviousBytes(ctx: TrainerContext, name: string): Promise<Uint8Array | undefined> {
  const local = join(ctx.workDir, name);
  if (existsSync(local)) return new Uint8Array(await readFile(local));
  try {
    return ctx.getArtifact ? await ctx.getArtifact(ctx.taskId, name) : undefined;
  } catch {
    return undefined; // never saved: a fresh start
  }
}

async function readPrevious(ctx: TrainerContext, name: string): Promise<string> {
  const bytes = await readPreviousBytes(ctx, name);
  return bytes ? new TextDecoder().decode(bytes) : '';
}

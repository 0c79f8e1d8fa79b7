/**
 * YOLOv5's epoch loop (train.py): warmup and accumulation per iteration, optimizer step and
 * EMA update every `accumulate` batches, validation of the EMA weights each epoch, reporting
 * under results.csv names, last/best checkpoints, a clean stop at epoch boundaries.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { TrialFailedError } from '../../../core/index.ts';
import type { TrainerContext } from '../../../worker/trainer.ts';
import { encodeCheckpoint, type Checkpoint } from './checkpoint.ts';
import { createBatches } from '../data/index.ts';
import { decodePredictions } from '../metrics/decode.ts';
import { computeLoss, type LossOptions } from '../loss/loss.ts';
import { evaluateDetections, fitness } from '../metrics/metrics.ts';
import { nonMaxSuppressionBatch } from '../metrics/nms.ts';
import { measureModelCost, type ModelCost } from '../model/cost.ts';
import { GradientAccumulator } from './optimizer.ts';
import { splitBatch, weightValues } from './replica.ts';
import { formatEpochLine, startEpochProgress } from './progress.ts';
import { appendResults, type EpochResults } from './results-csv.ts';
import { iterationSettings, shouldStep, type ScheduleConfig } from './schedule.ts';
import { STARTUP_MARKS, trainBatchOptions, type TrainingRun } from './prepare-run.ts';
import type { Detection, GroundTruth } from '../types.ts';
import { TrainingPlots } from '../plots/training-plots.ts';

/** Validation NMS settings of YOLOv5's val.py during training. */
export const VAL_NMS = { confThres: 0.001, iouThres: 0.6, maxDet: 300, multiLabel: true } as const;

/** Timing and results of one epoch, for hooks (the trainer benchmark) and the log line. */
export interface EpochSummary {
  epoch: number;
  scalars: EpochResults;
  fitness: number;
  trainImages: number;
  trainSeconds: number;
  valSeconds: number;
}

export interface RunHooks {
  /** Called after each epoch's report and checkpoint. */
  onEpochEnd?(summary: EpochSummary): void | Promise<void>;
}

/**
 * Trains `run` from its start epoch to `args/epochs`, reporting and checkpointing every
 * epoch. Returns normally when done or when `ctx.signal` was aborted (checked after each
 * epoch is reported and saved). Throws TrialFailedError on a non-finite loss.
 */
export async function runTraining(run: TrainingRun, ctx: TrainerContext, hooks: RunHooks = {}): Promise<void> {
  const { args, hyp } = run.params;
  const nb = Math.ceil(run.trainSet.files.length / args.batch);
  const schedule: ScheduleConfig = {
    epochs: args.epochs, batchesPerEpoch: nb, batchSize: args.batch, nbs: args.nbs, lr0: hyp.lr0, lrf: hyp.lrf,
    momentum: hyp.momentum, warmupEpochs: hyp.warmup_epochs, warmupMomentum: hyp.warmup_momentum,
    warmupBiasLr: hyp.warmup_bias_lr, cosLr: args.cos_lr,
  };
  const lossOpts = run.lossOptions;
  const accumulator = new GradientAccumulator(run.optimizer.variables());
  const state = { lastOptStep: -1, bestFitness: run.bestFitness, csv: run.csv };
  const plots = args.noplots
    ? undefined
    : new TrainingPlots({ names: run.dataset.names, nc: run.dataset.nc, epochs: args.epochs, plotPeriod: args.plot_period, put: (name, data) => ctx.putArtifact(name, data), log: ctx.log });
  if (plots && run.startEpoch === 0) plots.labels(run.trainSet.labels);
  let last: { detections: Detection[]; truths: GroundTruth[] } | undefined;
  if (run.startEpoch >= args.epochs) ctx.log(`yolov5: nothing to train: ${run.startEpoch} of ${args.epochs} epochs already done`);
  // Inference cost does not depend on the weights: measured once, reported with every epoch.
  let cost: ModelCost | undefined;
  try {
    for (let epoch = run.startEpoch; epoch < args.epochs; epoch++) {
      if (ctx.signal.aborted && epoch === run.startEpoch) {
        ctx.log(`yolov5: stop requested before epoch ${epoch} started; nothing trained`);
        break;
      }
      const t0 = performance.now();
      const train = await trainEpoch(run, ctx, epoch, nb, schedule, lossOpts, accumulator, state, epoch === 0 ? plots : undefined);
      await plots?.drawn(); // the labels and first mosaics, drawn while the epoch trained
      const t1 = performance.now();
      const val = await validate(run, lossOpts, epoch, plots);
      last = val;
      const t2 = performance.now();
      const scalars: EpochResults = {
        'train/box_loss': train.mloss[0], 'train/obj_loss': train.mloss[1], 'train/cls_loss': train.mloss[2],
        'metrics/precision': val.precision, 'metrics/recall': val.recall, 'metrics/mAP_0.5': val.map50, 'metrics/mAP_0.5:0.95': val.map,
        'val/box_loss': val.loss[0], 'val/obj_loss': val.loss[1], 'val/cls_loss': val.loss[2],
        'x/lr0': train.lr[0], 'x/lr1': train.lr[1], 'x/lr2': train.lr[2],
      };
      const fi = fitness(val);
      // train.py: best_fitness = max(best_fitness, fi); best.pt saved when they are equal (ties too).
      if (fi > state.bestFitness) state.bestFitness = fi;
      const best = fi === state.bestFitness;
      state.csv = appendResults(state.csv, epoch, scalars);
      cost ??= await measureModelCost(run.model, args.img);
      await ctx.reporter.report(epoch, { ...scalars, ...cost });
      await saveEpoch(run, ctx, epoch, state.bestFitness, best, state.csv);
      const summary: EpochSummary = { epoch, scalars, fitness: fi, trainImages: train.images, trainSeconds: (t1 - t0) / 1000, valSeconds: (t2 - t1) / 1000 };
      ctx.log(formatEpochLine({ ...summary, epochs: args.epochs, best }));
      await hooks.onEpochEnd?.(summary);
      if (ctx.signal.aborted && epoch + 1 < args.epochs) {
        ctx.log(`yolov5: stop requested; stopped after epoch ${epoch} (last.bin saved)`);
        break;
      }
    }
    if (plots && last) await plots.final(last.detections, last.truths, state.csv);
  } finally {
    await plots?.drawn(); // a failed or stopped run leaves no drawing running past its end
    accumulator.reset();
  }
}

interface LoopState { lastOptStep: number; bestFitness: number; csv: string }

async function trainEpoch(
  run: TrainingRun, ctx: TrainerContext, epoch: number, nb: number, schedule: ScheduleConfig,
  lossOpts: LossOptions, accumulator: GradientAccumulator, state: LoopState, plots?: TrainingPlots,
): Promise<{ mloss: [number, number, number]; lr: [number, number, number]; images: number }> {
  const { args } = run.params;
  const mloss: [number, number, number] = [0, 0, 0];
  let lr: [number, number, number] = [0, 0, 0];
  let images = 0;
  const progress = startEpochProgress(epoch, args.epochs, nb);
  accumulator.reset(); // optimizer.zero_grad() at every epoch start, as train.py does
  for (const replica of run.replicas) replica.reset();
  // Training batches are built beside the step, in the run's batch thread (args/workers 0: on this one).
  const batches = epoch === 0 && run.firstBatches ? run.firstBatches : createBatches(run.trainSet, trainBatchOptions(run.params, epoch), run.batchThread?.build);
  let i = 0;
  try {
    for await (const batch of batches) {
      const ni = i + nb * epoch;
      const settings = iterationSettings(ni, epoch, schedule);
      lr = settings.lr;
      const parts = [0, 0, 0];
      plots?.trainBatch(batch);
      const first = i === 0 && epoch === run.startEpoch;
      if (first) performance.mark(STARTUP_MARKS.firstStep);
      // With replicas, this thread trains on the first share while each replica trains on another.
      const shareCount = Math.min(run.replicas.length + 1, batch.batchSize); // a short last batch leaves some replicas out
      const [own, ...shares] = shareCount > 1 ? splitBatch(batch, shareCount) : [batch];
      const remote = shares.map((share, k) => run.replicas[k].step(share));
      remote.forEach((p) => p.catch(() => {})); // awaited below, after this thread's share
      const x = tf.tensor4d(own.images, [own.batchSize, own.imgSize, own.imgSize, 3]);
      let result: { value: tf.Scalar; grads: tf.NamedTensorMap };
      try {
        result = tf.variableGrads(() => {
          const preds = run.model.forward(x, true);
          const l = computeLoss(preds, own.targets, lossOpts);
          parts[0] = l.box.dataSync()[0];
          parts[1] = l.obj.dataSync()[0];
          parts[2] = l.cls.dataSync()[0];
          return l.loss;
        }, run.optimizer.variables());
      } finally {
        x.dispose();
      }
      let total = result.value.dataSync()[0];
      result.value.dispose();
      if (remote.length > 0) {
        // The logged terms are the shares' means weighted by their images, as one pass over the batch gives them.
        const others = await Promise.all(remote).catch((error: unknown) => {
          for (const g of Object.values(result.grads)) g.dispose();
          throw error;
        });
        for (let k = 0; k < 3; k++) parts[k] *= own.batchSize;
        others.forEach((o, s) => {
          total += o.total;
          for (let k = 0; k < 3; k++) parts[k] += o.parts[k] * shares[s].batchSize;
        });
        for (let k = 0; k < 3; k++) parts[k] /= batch.batchSize;
      }
      if (!Number.isFinite(total) || !parts.every(Number.isFinite)) {
        for (const g of Object.values(result.grads)) g.dispose();
        throw new TrialFailedError(
          `yolov5: loss is ${total} at epoch ${epoch}, batch ${i} of ${nb} (box ${parts[0]}, obj ${parts[1]}, cls ${parts[2]}; ` +
            `lr ${lr.map((v) => v.toPrecision(3)).join('/')}): training diverged. Lower hyp/lr0 or hyp/warmup_bias_lr, or check the labels`,
        );
      }
      accumulator.add(result.grads);
      if (shouldStep(ni, state.lastOptStep, settings.accumulate)) {
        for (const replica of run.replicas) accumulator.addValues(await replica.takeGrads());
        run.optimizer.step(accumulator.current(), settings);
        accumulator.reset();
        run.ema.update();
        if (run.replicas.length > 0) {
          const weights = weightValues(run.optimizer.variables());
          for (const replica of run.replicas) replica.setWeights(weights);
        }
        state.lastOptStep = ni;
      }
      for (let k = 0; k < 3; k++) mloss[k] = (mloss[k] * i + parts[k]) / (i + 1);
      images += batch.batchSize;
      i += 1;
      progress.update(i, { box: mloss[0], obj: mloss[1], cls: mloss[2] });
      if (first) performance.mark(STARTUP_MARKS.firstStepDone);
    }
  } finally {
    progress.stop();
  }
  if (i === 0) ctx.log(`warning: epoch ${epoch} had no training batches`);
  return { mloss, lr, images };
}

/** val.py with the EMA model: losses, NMS, matching against the letterboxed truths. */
async function validate(run: TrainingRun, lossOpts: LossOptions, epoch: number, plots?: TrainingPlots) {
  const { args, hyp } = run.params;
  const detections: Detection[] = [];
  const truths: GroundTruth[] = [];
  const loss = [0, 0, 0];
  let batches = 0;
  let offset = 0;
  const valBatches = createBatches(run.valSet, { imgSize: args.img, batchSize: args.batch * 2, hyp, augment: false, shuffle: false, seed: args.seed, cache: args.cache });
  for await (const batch of valBatches) {
    const s = batch.imgSize;
    const before = detections.length;
    tf.tidy(() => {
      const x = tf.tensor4d(batch.images, [batch.batchSize, s, s, 3]);
      const preds = run.emaModel.forward(x, false);
      const l = computeLoss(preds, batch.targets, lossOpts);
      loss[0] += l.box.dataSync()[0];
      loss[1] += l.obj.dataSync()[0];
      loss[2] += l.cls.dataSync()[0];
      const decoded = decodePredictions(preds, run.model.anchors, run.model.strides);
      for (const dets of nonMaxSuppressionBatch(decoded, VAL_NMS, offset)) detections.push(...dets);
    });
    const t = batch.targets;
    for (let r = 0; r + 5 < t.length; r += 6) {
      const [cx, cy, w, h] = [t[r + 2] * s, t[r + 3] * s, t[r + 4] * s, t[r + 5] * s];
      truths.push({ image: offset + t[r], cls: t[r + 1], box: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2] });
    }
    if (plots) {
      const own = detections.slice(before).map((d) => ({ ...d, image: (d.image as number) - offset }));
      await plots.validationBatch(epoch, batches, batch, own);
    }
    offset += batch.batchSize;
    batches += 1;
  }
  const metrics = evaluateDetections(detections, truths, run.dataset.nc);
  return { ...metrics, loss: loss.map((v) => v / Math.max(batches, 1)), detections, truths };
}

/**
 * Writes last.bin (resumable) every epoch, best.bin (EMA weights, no optimizer) on a new best and
 * `epoch<N>.bin` every `args/save_period` epochs (YOLOv5's --save-period) into the scratch folder,
 * uploading each as it is written, streamed from the file: the trial's artifacts are current
 * after every epoch, and the scratch folder can go when the trial ends.
 */
async function saveEpoch(run: TrainingRun, ctx: TrainerContext, epoch: number, bestFitness: number, best: boolean, csv: string): Promise<void> {
  const { args } = run.params;
  const base: Omit<Checkpoint, 'weights'> = {
    epoch, bestFitness, emaUpdates: run.ema.updates,
    model: { size: args.cfg, nc: run.dataset.nc, imgSize: args.img, names: run.dataset.names },
    params: run.rawParams, createdAt: new Date().toISOString(),
  };
  const ema = run.emaModel.serialize();
  const lastFile = join(ctx.workDir, 'last.bin');
  await writeFile(lastFile, encodeCheckpoint({ ...base, weights: run.model.serialize(), ema, optimizer: run.optimizer.getState() }));
  await writeFile(join(ctx.workDir, 'results.csv'), csv);
  await ctx.putArtifactFile('last.bin', lastFile);
  await ctx.putArtifact('results.csv', csv);
  // As train.py v7.0: `epoch % save_period == 0` (0-based), so epoch0 is always among them.
  if (args.save_period > 0 && epoch % args.save_period === 0) await ctx.putArtifactFile(`epoch${epoch}.bin`, lastFile);
  if (best) {
    const bestFile = join(ctx.workDir, 'best.bin');
    await writeFile(bestFile, encodeCheckpoint({ ...base, weights: ema }));
    await ctx.putArtifactFile('best.bin', bestFile);
  }
}

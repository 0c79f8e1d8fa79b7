/**
 * What a training run draws and when, as YOLOv5's train.py and val.py do: labels.jpg and the
 * correlogram before the first epoch, the first three training mosaics, validation batches with
 * labels and predictions every `plot_period` epochs and after the last, and at the end the
 * confusion matrix, the P/R/F1/PR curves and results.png. Plots go to `plots/`, per-epoch
 * debug images to `debug/`. A plot that fails to draw is logged, never fails the trial.
 * The plots before and during the first epoch are queued, not awaited, so that training starts
 * while sharp draws them in its own threads; `drawn()` waits for the queue.
 */
import type { Batch, Detection, GroundTruth } from '../types.ts';
import { detectionCurves } from '../metrics/metrics.ts';
import { batchJpg } from './batch-image.ts';
import { confusionMatrix } from './confusion.ts';
import { confusionMatrixPng, curvePng, labelsCorrelogramJpg, labelsJpg, labelStats, resultsPng, type CurveKind } from './figures.ts';

export const TRAIN_MOSAICS = 3;
export const VAL_BATCHES = 3;

export interface TrainingPlotsOptions {
  names: readonly string[];
  nc: number;
  epochs: number;
  /** 0: validation images after the last epoch only. */
  plotPeriod: number;
  put(name: string, data: Buffer): Promise<void>;
  log(line: string): void;
}

export class TrainingPlots {
  private mosaics = 0;
  // One at a time and in call order, as when each was awaited.
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: TrainingPlotsOptions) {}

  /** Queues labels.jpg and the correlogram of the training labels. */
  labels(trainLabels: readonly Float32Array[]): void {
    this.enqueue(async () => {
      const stats = labelStats(trainLabels, this.options.nc);
      await this.draw('plots/labels.jpg', () => labelsJpg(stats, this.options.names));
      await this.draw('plots/labels_correlogram.jpg', () => labelsCorrelogramJpg(stats));
    });
  }

  /** Called for every training batch; queues the first three of the run. The batch must not change afterwards. */
  trainBatch(batch: Batch): void {
    if (this.mosaics >= TRAIN_MOSAICS) return;
    const name = `debug/train_batch${this.mosaics++}.jpg`;
    this.enqueue(() => this.draw(name, () => batchJpg(batch, { names: this.options.names })));
  }

  /** Resolves when every queued plot is drawn and stored (or logged as failed). Never rejects. */
  drawn(): Promise<void> {
    return this.queue;
  }

  private enqueue(job: () => Promise<void>): void {
    this.queue = this.queue.then(job).catch((error: unknown) => this.options.log(`warning: yolov5: could not draw a plot: ${(error as Error).message}`));
  }

  /** Whether epoch `epoch` (0-based) draws its validation batches. */
  validationDue(epoch: number): boolean {
    const last = epoch === this.options.epochs - 1;
    return last || (this.options.plotPeriod > 0 && (epoch + 1) % this.options.plotPeriod === 0);
  }

  /** Validation batch `index` of `epoch` with its labels and its predictions (`image` relative to the batch). */
  async validationBatch(epoch: number, index: number, batch: Batch, detections: readonly Detection[]): Promise<void> {
    if (index >= VAL_BATCHES || !this.validationDue(epoch)) return;
    await this.draw(`debug/epoch${epoch}/val_batch${index}_labels.jpg`, () => batchJpg(batch, { names: this.options.names }));
    await this.draw(`debug/epoch${epoch}/val_batch${index}_pred.jpg`, () => batchJpg(batch, { names: this.options.names, detections }));
  }

  /** After training: the final validation's confusion matrix and curves, and results.png. */
  async final(detections: Detection[], truths: GroundTruth[], resultsCsv: string): Promise<void> {
    const { names, nc } = this.options;
    await this.draw('plots/confusion_matrix.png', () => confusionMatrixPng(confusionMatrix(detections, truths, nc), names));
    const curves = detectionCurves(detections, truths, nc);
    if (curves) {
      for (const kind of ['PR', 'P', 'R', 'F1'] as CurveKind[]) await this.draw(`plots/${kind}_curve.png`, () => curvePng(kind, curves, names));
    } else this.options.log('yolov5: no true positives in the last validation; P, R, F1 and PR curves not drawn');
    await this.draw('plots/results.png', () => resultsPng(resultsCsv));
  }

  private async draw(name: string, render: () => Promise<Buffer>): Promise<void> {
    try {
      await this.options.put(name, await render());
    } catch (error) {
      this.options.log(`warning: yolov5: could not draw ${name}: ${(error as Error).message}`);
    }
  }
}

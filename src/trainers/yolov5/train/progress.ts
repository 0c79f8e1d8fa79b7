/**
 * Per-epoch console output of the YOLOv5 trainer: a live progress bar (cli-progress) when
 * stderr is a terminal, and one summary line per epoch for the task log either way.
 */
import cliProgress from 'cli-progress';
import { formatG } from './results-csv.ts';

/** The running means shown while an epoch trains. */
export interface RunningLoss {
  box: number;
  obj: number;
  cls: number;
}

/** A per-epoch progress display; a no-op when not attached to a terminal. */
export interface EpochProgress {
  update(batchesDone: number, loss: RunningLoss): void;
  stop(): void;
}

/**
 * Starts a bar for one epoch of `total` batches. `enabled` defaults to `process.stderr.isTTY`,
 * so child processes and agents (no TTY) print nothing here and rely on the summary line.
 */
export function startEpochProgress(
  epoch: number,
  epochs: number,
  total: number,
  enabled: boolean = process.stderr.isTTY === true,
): EpochProgress {
  if (!enabled) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: '{epoch} |{bar}| {value}/{total} batches  box {box}  obj {obj}  cls {cls}  {eta_formatted} left',
      barsize: 20,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  const fields = (loss: RunningLoss) => ({ epoch: `${epoch}/${epochs - 1}`.padStart(9), box: fmt(loss.box), obj: fmt(loss.obj), cls: fmt(loss.cls) });
  bar.start(total, 0, fields({ box: 0, obj: 0, cls: 0 }));
  return {
    update: (done, loss) => bar.update(done, fields(loss)),
    stop: () => bar.stop(),
  };
}

/** What one finished epoch looked like, for the summary line. */
export interface EpochLine {
  epoch: number;
  epochs: number;
  scalars: Record<string, number>;
  trainImages: number;
  trainSeconds: number;
  valSeconds: number;
  best: boolean;
}

/** One line per epoch: losses, P, R, mAPs, and speed (YOLOv5 prints the same figures). */
export function formatEpochLine(e: EpochLine): string {
  const s = e.scalars;
  const speed = e.trainSeconds > 0 ? e.trainImages / e.trainSeconds : 0;
  return (
    `epoch ${e.epoch}/${e.epochs - 1}: ` +
    `box ${fmt(s['train/box_loss'])} obj ${fmt(s['train/obj_loss'])} cls ${fmt(s['train/cls_loss'])} | ` +
    `P ${fmt(s['metrics/precision'])} R ${fmt(s['metrics/recall'])} ` +
    `mAP50 ${fmt(s['metrics/mAP_0.5'])} mAP50-95 ${fmt(s['metrics/mAP_0.5:0.95'])}${e.best ? ' (best)' : ''} | ` +
    `train ${e.trainSeconds.toFixed(1)} s (${speed.toFixed(1)} img/s), val ${e.valSeconds.toFixed(1)} s`
  );
}

function fmt(x: number | undefined): string {
  return x === undefined ? '-' : formatG(x, 4);
}

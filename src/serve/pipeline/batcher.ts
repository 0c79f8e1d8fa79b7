/**
 * Dynamic batching: images that arrive within `maxWaitMs` of the first waiting one, up to
 * `maxBatch`, run as one forward pass; each caller gets its own image's rows back. As many
 * forwards run at once as the runtime has instances (its `concurrency`); images that arrive
 * while every instance is busy form the next batch, which starts as soon as one is free.
 * Callers announce images they are still decoding (`expect`); when none is on its way and no
 * forward runs, the batch starts at once instead of waiting for images that are not coming, so
 * a lone client pays no batching delay. While a forward runs, an idle instance takes the next
 * batch once it is as large as the smallest batch running, whether or not more images are being
 * decoded: the instances take turns with batches of a size, instead of one image at a time.
 */
import type { DetectorRuntime } from '../runtime/types.ts';
import { givePixels } from './pixel-pool.ts';

/** Batching settings; maxBatch 1 or maxWaitMs 0 with no backlog is "batching off". */
export interface BatcherOptions {
  maxBatch: number;
  maxWaitMs: number;
  /** Called after every forward pass (metrics). */
  onBatch?(size: number, ms: number): void;
}

/** What one image's forward pass gave, with how long it waited and ran. */
export interface BatchResult { rows: Float32Array; waitMs: number; inferenceMs: number; batchSize: number }

interface Pending { pixels: Float32Array; enqueued: number; resolve(r: BatchResult): void; reject(e: unknown): void }

/** Queues images for one runtime. */
export class DynamicBatcher {
  private readonly queue: Pending[] = [];
  private incoming = 0;
  private timer: NodeJS.Timeout | undefined;
  private idle: (() => void)[] = [];
  private readonly maxBatch: number;
  private readonly concurrency: number;
  /** Batch input buffers not in use: one per running forward at most, refilled batch after batch. */
  private readonly buffers: Float32Array[] = [];
  /** The sizes of the batches running now: one per forward pass, at most `concurrency`. */
  private readonly runningSizes: number[] = [];

  constructor(private readonly runtime: DetectorRuntime, private readonly opts: BatcherOptions) {
    this.maxBatch = Math.max(1, Math.min(opts.maxBatch, runtime.maxBatch));
    this.concurrency = Math.max(1, runtime.concurrency);
  }

  private get running(): number {
    return this.runningSizes.length;
  }

  /** Images waiting for a forward pass (not counting those running). */
  get depth(): number {
    return this.queue.length;
  }

  /** Announces `n` images being decoded for this batcher; each later submit() or cancel() ends one. */
  expect(n: number): void {
    this.incoming += n;
  }

  /** An announced image that will not come (its decode failed). */
  cancel(): void {
    this.incoming = Math.max(0, this.incoming - 1);
    if (this.incoming === 0) this.schedule();
  }

  /** Runs one image ([3, S, S] floats; an array from the pixel pool goes back to it once copied) in the next batch. */
  submit(pixels: Float32Array): Promise<BatchResult> {
    this.incoming = Math.max(0, this.incoming - 1);
    return new Promise((resolve, reject) => {
      this.queue.push({ pixels, enqueued: performance.now(), resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once nothing is queued or running. */
  whenIdle(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  private schedule(): void {
    if (this.running >= this.concurrency) return;
    if (this.queue.length === 0) return;
    // Sending every image straight to an idle instance made batches of 1.9 at 8 clients (20 %
    // more CPU per image at 128 px); holding them up to maxWaitMs while a forward ran left that
    // instance idle: matching the running batch served 535 img/s at 128 px against 466 with
    // the hold (bench:serve-ab, 10 of 10 slices), and the same at 320 px. Waiting, once it was
    // as large, for images still being decoded left it idle too where decoding is slow: at 320 px
    // (3.3 CPU ms per image) taking the batch at once served B/A 1.11 and 1.05, at 128 px 0.97 and 1.02.
    const nothingComing = this.incoming === 0;
    const asLargeAsRunning = this.running > 0 && this.queue.length >= Math.min(...this.runningSizes);
    if (this.queue.length >= this.maxBatch || this.opts.maxWaitMs <= 0 || asLargeAsRunning || (this.running === 0 && nothingComing)) {
      this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.opts.maxWaitMs);
    }
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running >= this.concurrency || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.maxBatch);
    this.runningSizes.push(batch.length);
    void this.runBatch(batch).finally(() => {
      this.runningSizes.splice(this.runningSizes.indexOf(batch.length), 1);
      if (this.queue.length > 0) this.flush(); // they already waited while every instance was busy
      else if (this.running === 0) for (const r of this.idle.splice(0)) r();
    });
    // A second idle instance takes what is left by the usual rule (full, nothing coming, or the wait).
    this.schedule();
  }

  private async runBatch(batch: Pending[]): Promise<void> {
    const n = batch.length;
    const per = 3 * this.runtime.size * this.runtime.size;
    // A worker runtime takes the buffer while it runs and hands it back with the result.
    let buffer = this.buffers.pop() ?? new Float32Array(this.maxBatch * per);
    batch.forEach((p, i) => {
      buffer.set(p.pixels, i * per);
      givePixels(p.pixels);
    });
    const start = performance.now();
    try {
      const { data, rows, input } = await this.runtime.run(buffer, n);
      if (input) buffer = input;
      if (buffer.byteLength > 0) this.buffers.push(buffer);
      const ms = performance.now() - start;
      this.opts.onBatch?.(n, ms);
      const stride = rows * (5 + this.runtime.nc);
      batch.forEach((p, i) => p.resolve({ rows: data.subarray(i * stride, (i + 1) * stride), waitMs: start - p.enqueued, inferenceMs: ms, batchSize: n }));
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  }
}

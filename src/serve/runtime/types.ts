/** An inference engine behind the server: ONNX Runtime, or the TF.js forward pass as fallback. */
export interface DetectorRuntime {
  readonly kind: 'onnx' | 'tfjs';
  /** Input side in pixels. */
  readonly size: number;
  readonly nc: number;
  /** Largest batch one run takes (1 for a model exported with a fixed batch). */
  readonly maxBatch: number;
  /**
   * Forward passes that may run at once: the model instances behind it (Triton's instance_group
   * count), each with its own session and thread. 1 for an in-process runtime.
   */
  readonly concurrency: number;
  /**
   * Runs `n` images, NCHW float32 RGB in [0, 1] ([n, 3, size, size]), and returns YOLOv5's export
   * layout [n, rows, 5 + nc]: (cx, cy, w, h, obj, cls...) in input pixels, rows running level,
   * anchor, y, x. A runtime in another thread may take `input`'s buffer (it is detached here)
   * and hand it back as `input` of the result, so the caller can refill it for the next batch
   * instead of allocating one.
   */
  run(input: Float32Array, n: number): Promise<RunResult>;
  dispose(): Promise<void>;
}

/** One forward pass's output, and the input buffer when run() took it. */
export interface RunResult {
  data: Float32Array;
  rows: number;
  input?: Float32Array;
}

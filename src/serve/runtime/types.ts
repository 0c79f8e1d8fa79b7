/** An inference engine behind the server: ONNX Runtime, or the TF.js forward pass as fallback. */
export interface DetectorRuntime {
  readonly kind: 'onnx' | 'tfjs';
  /** Input side in pixels. */
  readonly size: number;
  readonly nc: number;
  /** Largest batch one run takes (1 for a model exported with a fixed batch). */
  readonly maxBatch: number;
  /**
   * Runs `n` images, NCHW float32 RGB in [0, 1] ([n, 3, size, size]), and returns YOLOv5's export
   * layout [n, rows, 5 + nc]: (cx, cy, w, h, obj, cls...) in input pixels, rows running level,
   * anchor, y, x. `input` may be changed again once the promise settles.
   */
  run(input: Float32Array, n: number): Promise<RunResult>;
  /**
   * An array of `floats` that run() reads without a copy (a runtime in another thread shares
   * it); the caller refills it for every batch, never while a run is in flight. Absent: any array.
   */
  inputBuffer?(floats: number): Float32Array;
  dispose(): Promise<void>;
}

/** One forward pass's output. */
export interface RunResult {
  data: Float32Array;
  rows: number;
}

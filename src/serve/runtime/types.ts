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
   * anchor, y, x.
   */
  run(input: Float32Array, n: number): Promise<{ data: Float32Array; rows: number }>;
  dispose(): Promise<void>;
}

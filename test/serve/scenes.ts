/** Test helper: synthetic-dataset scenes as the network's input. */
import { createRng } from '../../src/core/index.ts';
import { renderScene } from '../../src/trainers/yolov5/data/scene.ts';

/** `n` synthetic-dataset scenes as NCHW floats in [0, 1]. */
export function sceneBatch(seed: string, n: number, size: number): Float32Array {
  const out = new Float32Array(n * 3 * size * size);
  const plane = size * size;
  for (let k = 0; k < n; k++) {
    const { image } = renderScene(createRng(seed, `scene:${k}`), size, 3);
    for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) out[(k * 3 + c) * plane + i] = image.data[3 * i + c] / 255;
  }
  return out;
}

import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { detectionCurves } from '../../../../src/trainers/yolov5/metrics/metrics.ts';
import { batchJpg } from '../../../../src/trainers/yolov5/plots/batch-image.ts';
import { confusionMatrix } from '../../../../src/trainers/yolov5/plots/confusion.ts';
import { confusionMatrixPng, curvePng, labelStats, labelsJpg, meanCurve, parseResultsCsv, resultsPng } from '../../../../src/trainers/yolov5/plots/figures.ts';
import { PALETTE } from '../../../../src/trainers/yolov5/plots/svg.ts';
import { appendResults } from '../../../../src/trainers/yolov5/train/results-csv.ts';
import { RESULT_KEYS } from '../../../../src/trainers/yolov5/train/results-csv.ts';
import type { Batch, Detection, GroundTruth } from '../../../../src/trainers/yolov5/types.ts';

/** RGB of one pixel of an encoded image. */
async function pixel(image: Buffer, x: number, y: number): Promise<[number, number, number]> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * 3;
  return [data[i], data[i + 1], data[i + 2]];
}
const hex = (h: string) => [1, 3, 5].map((i) => Number.parseInt(h.slice(i, i + 2), 16));
const near = (a: number[], b: number[], tol: number) => a.every((v, i) => Math.abs(v - b[i]) <= tol);

/** A batch of gray 64 px images with one label each. */
function grayBatch(n: number, targets: number[]): Batch {
  return { images: new Float32Array(n * 64 * 64 * 3).fill(0.5), batchSize: n, imgSize: 64, targets: Float32Array.from(targets), paths: [] };
}

describe('training plots', () => {
  it('draws a label box in its class colour where the label is, and only confident predictions', async () => {
    // Image 1 of 2 (right tile of a 2x1 grid), class 2, box 16..48 px.
    const batch = grayBatch(2, [1, 2, 0.5, 0.5, 0.5, 0.5]);
    const labels = await batchJpg(batch, { names: ['a', 'b', 'c'] });
    const meta = await sharp(labels).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 128, 64]);
    const colour = hex(PALETTE[2]);
    // The left edge of the box at x = 64 + 16 in the grid, half-way down; inside stays gray.
    const edge = await Promise.all([79, 80, 81].map((x) => pixel(labels, x, 32)));
    expect(edge.some((p) => near(p, colour, 60)), JSON.stringify(edge)).toBe(true);
    expect(near(await pixel(labels, 96, 40), [128, 128, 128], 12)).toBe(true);
    expect(near(await pixel(labels, 16, 32), [128, 128, 128], 12)).toBe(true); // tile 0 has no box

    const predictions: Detection[] = [
      { image: 0, cls: 0, conf: 0.9, box: [8, 8, 40, 40] },
      { image: 1, cls: 0, conf: 0.1, box: [8, 8, 40, 40] }, // below 0.25: not drawn
    ];
    const drawn = await batchJpg(batch, { names: ['a', 'b', 'c'], detections: predictions });
    const red = hex(PALETTE[0]);
    const left = await Promise.all([7, 8, 9].map((x) => pixel(drawn, x, 24)));
    expect(left.some((p) => near(p, red, 60)), JSON.stringify(left)).toBe(true);
    const right = await Promise.all([71, 72, 73].map((x) => pixel(drawn, x, 24)));
    expect(right.every((p) => near(p, [128, 128, 128], 20)), JSON.stringify(right)).toBe(true);
  });

  it('shades the confusion matrix by the normalized counts', async () => {
    const truths: GroundTruth[] = [{ image: 0, cls: 0, box: [0, 0, 10, 10] }, { image: 0, cls: 1, box: [20, 20, 30, 30] }];
    const dets: Detection[] = [{ image: 0, cls: 0, conf: 0.9, box: [0, 0, 10, 10] }, { image: 0, cls: 1, conf: 0.9, box: [20, 20, 30, 30] }];
    const matrix = confusionMatrix(dets, truths, 2);
    const png = await confusionMatrixPng(matrix, ['cat', 'dog']);
    // 480 px: grid from (90, 30), 3 x 3 cells of 126.7 x 130 px; probe near each cell's corner.
    const cell = (i: number, j: number) => pixel(png, Math.round(90 + j * 126.7 + 10), Math.round(30 + i * 130 + 10));
    expect(near(await cell(0, 0), [8, 48, 107], 6)).toBe(true); // 1.0: dark blue
    expect(near(await cell(1, 1), [8, 48, 107], 6)).toBe(true);
    expect(near(await cell(0, 1), [247, 251, 255], 6)).toBe(true); // 0: white
    expect(near(await cell(2, 2), [247, 251, 255], 6)).toBe(true);
  });

  it('computes the curves behind the P, R, F1 and PR plots', async () => {
    const truths: GroundTruth[] = [0, 1, 2, 3].map((i) => ({ image: i, cls: i % 2, box: [0, 0, 10, 10] }));
    const dets: Detection[] = [
      ...truths.map((t) => ({ image: t.image, cls: t.cls, conf: 0.8, box: t.box })),
      { image: 0, cls: 1, conf: 0.4, box: [50, 50, 60, 60] }, // a false positive of class 1
    ];
    const curves = detectionCurves(dets, truths, 2)!;
    expect(curves.classes).toEqual([0, 1]);
    const at = (conf: number) => Math.round(conf * 999);
    // Class 0 is perfect; class 1's precision is 2/3 up to conf 0.4, 1 from 0.8, and in between
    // linear in the confidence (numpy.interp over the ranked detections, as YOLOv5 samples it).
    expect(curves.precision[0][at(0.5)]).toBeCloseTo(1, 6);
    expect(curves.precision[1][at(0.2)]).toBeCloseTo(2 / 3, 6);
    expect(curves.precision[1][at(0.6)]).toBeCloseTo(1 - (1 / 3) * ((0.8 - curves.px[at(0.6)]) / 0.4), 6);
    expect(curves.precision[1][at(0.85)]).toBeCloseTo(1, 6);
    expect(curves.recall[1][at(0.6)]).toBeCloseTo(1, 6);
    expect(curves.recall[1][at(0.9)]).toBe(0);
    expect(curves.f1[1][at(0.2)]).toBeCloseTo(0.8, 6);
    expect(curves.pr[0][500]).toBeCloseTo(1, 6);
    expect(meanCurve(curves.precision)[at(0.2)]).toBeCloseTo((1 + 2 / 3) / 2, 6);
    const png = await curvePng('PR', curves, ['a', 'b']);
    expect((await sharp(png).metadata()).width).toBe(640);
  });

  it('counts labels per class and keeps their centres and sizes', async () => {
    const labels = [Float32Array.from([0, 0.5, 0.5, 0.2, 0.4, 1, 0.1, 0.2, 0.3, 0.3]), new Float32Array(0), Float32Array.from([1, 0.9, 0.9, 0.1, 0.1])];
    const stats = labelStats(labels, 3);
    expect(stats.counts).toEqual([1, 2, 0]);
    expect(Array.from(stats.x)).toEqual([0.5, expect.closeTo(0.1, 6), expect.closeTo(0.9, 6)]);
    expect(Array.from(stats.height)).toEqual([expect.closeTo(0.4, 6), expect.closeTo(0.3, 6), expect.closeTo(0.1, 6)]);
    const jpg = await labelsJpg(stats, ['a', 'b', 'c']);
    expect(await sharp(jpg).metadata()).toMatchObject({ format: 'jpeg', width: 800, height: 800 });
  });

  it('plots results.csv columns in results.png', async () => {
    let csv = '';
    for (let epoch = 0; epoch < 3; epoch++) {
      csv = appendResults(csv, epoch, Object.fromEntries(RESULT_KEYS.map((k) => [k, epoch / 10])) as never);
    }
    const cols = parseResultsCsv(csv);
    expect(cols.epoch).toEqual([0, 1, 2]);
    expect(cols['metrics/mAP_0.5:0.95']).toEqual([0, 0.1, 0.2]);
    expect(await sharp(await resultsPng(csv)).metadata()).toMatchObject({ format: 'png', width: 1500, height: 480 });
  });
});

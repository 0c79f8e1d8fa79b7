/**
 * The figures YOLOv5 saves for a training run (utils/plots.py, utils/metrics.py), drawn as SVG
 * and rendered by sharp: the confusion matrix, the P, R, F1 and PR curves per class, labels.jpg
 * and the labels correlogram, results.png. Each takes the numbers it draws, so tests can check
 * those numbers and probe the pixels.
 */
import type { DetectionCurves } from '../metrics/metrics.ts';
import { RESULT_KEYS } from '../train/results-csv.ts';
import { barChart, heatmap, histogram, lineChart, scatter, type LineSeries } from './charts.ts';
import { normalizeColumns, type ConfusionMatrix } from './confusion.ts';
import { classColor, rect, renderSvg, svgDocument } from './svg.ts';

export async function confusionMatrixPng(matrix: ConfusionMatrix, names: readonly string[]): Promise<Buffer> {
  const labels = [...names.slice(0, matrix.nc), 'background'];
  const size = Math.max(480, 60 * labels.length + 150);
  const body = heatmap({ x: 0, y: 0, width: size, height: size }, {
    title: 'Confusion matrix (normalized per true class)', rows: labels, cols: labels, cells: normalizeColumns(matrix), xLabel: 'True', yLabel: 'Predicted',
  });
  return renderSvg(svgDocument(size, size, body), 'png');
}

export type CurveKind = 'PR' | 'P' | 'R' | 'F1';

/** Mean over classes at each of the 1000 points: the bold "all classes" line YOLOv5 adds. */
export function meanCurve(curves: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(curves[0]?.length ?? 0);
  for (const c of curves) for (let k = 0; k < out.length; k++) out[k] += c[k] / curves.length;
  return out;
}

/** One of YOLOv5's four curve plots: PR (precision vs recall) or P, R, F1 vs confidence. */
export async function curvePng(kind: CurveKind, curves: DetectionCurves, names: readonly string[]): Promise<Buffer> {
  const ys = kind === 'PR' ? curves.pr : kind === 'P' ? curves.precision : kind === 'R' ? curves.recall : curves.f1;
  const series: LineSeries[] = curves.classes.map((c, i) => ({ label: names[c] ?? String(c), x: curves.px, y: ys[i], color: classColor(c), width: 1 }));
  series.push({ label: 'all classes', x: curves.px, y: meanCurve(ys), color: '#0033cc', width: 3 });
  const title = kind === 'PR' ? 'Precision-Recall curve' : `${kind === 'F1' ? 'F1' : kind === 'P' ? 'Precision' : 'Recall'}-Confidence curve`;
  const body = lineChart({ x: 0, y: 0, width: 640, height: 480 }, {
    title, xLabel: kind === 'PR' ? 'Recall' : 'Confidence', yLabel: kind === 'PR' ? 'Precision' : kind === 'F1' ? 'F1' : kind === 'P' ? 'Precision' : 'Recall',
    series, xRange: [0, 1], yRange: [0, 1], legend: true,
  });
  return renderSvg(svgDocument(640, 480, body), 'png');
}

/** Every label box of a split: class and normalized centre and size. */
export interface LabelStats {
  nc: number;
  counts: number[];
  cls: Float64Array;
  x: Float64Array;
  y: Float64Array;
  width: Float64Array;
  height: Float64Array;
}

/** Flattens per-image label rows (class, cx, cy, w, h) into columns and counts per class. */
export function labelStats(labels: readonly Float32Array[], nc: number): LabelStats {
  const n = labels.reduce((s, rows) => s + rows.length / 5, 0);
  const cols = { cls: new Float64Array(n), x: new Float64Array(n), y: new Float64Array(n), width: new Float64Array(n), height: new Float64Array(n) };
  const counts = new Array<number>(nc).fill(0);
  let k = 0;
  for (const rows of labels) {
    for (let r = 0; r + 4 < rows.length; r += 5, k++) {
      cols.cls[k] = rows[r];
      cols.x[k] = rows[r + 1];
      cols.y[k] = rows[r + 2];
      cols.width[k] = rows[r + 3];
      cols.height[k] = rows[r + 4];
      counts[rows[r]] += 1;
    }
  }
  return { nc, counts, ...cols };
}

/** labels.jpg: instances per class, box shapes, centres (x, y) and sizes (width, height). */
export async function labelsJpg(stats: LabelStats, names: readonly string[]): Promise<Buffer> {
  const cell = 400;
  let body = barChart({ x: 0, y: 0, width: cell, height: cell }, {
    title: 'instances per class', labels: names.slice(0, stats.nc), values: stats.counts, colors: stats.counts.map((_, c) => classColor(c)), yLabel: 'instances',
  });
  // Up to 1000 boxes drawn centred, as YOLOv5 shows the box shapes.
  const shapes = Math.min(1000, stats.cls.length);
  const inner = cell - 60;
  body += rect(cell + 30, 30, inner, inner, 'fill="white" stroke="#888"');
  for (let i = 0; i < shapes; i++) {
    const w = stats.width[i] * inner;
    const h = stats.height[i] * inner;
    body += rect(cell + 30 + (inner - w) / 2, 30 + (inner - h) / 2, w, h, `fill="none" stroke="${classColor(stats.cls[i])}" stroke-opacity="0.4"`);
  }
  body += scatter({ x: 0, y: cell, width: cell, height: cell }, { title: 'box centres', xLabel: 'x', yLabel: 'y', x: stats.x, y: stats.y });
  body += scatter({ x: cell, y: cell, width: cell, height: cell }, { title: 'box sizes', xLabel: 'width', yLabel: 'height', x: stats.width, y: stats.height });
  return renderSvg(svgDocument(2 * cell, 2 * cell, body), 'jpeg');
}

const CORRELOGRAM_COLUMNS = ['x', 'y', 'width', 'height'] as const;

/** labels_correlogram.jpg: pairwise scatter of x, y, width, height with histograms on the diagonal. */
export async function labelsCorrelogramJpg(stats: LabelStats): Promise<Buffer> {
  const cell = 220;
  let body = '';
  CORRELOGRAM_COLUMNS.forEach((row, i) =>
    CORRELOGRAM_COLUMNS.forEach((col, j) => {
      const box = { x: j * cell, y: i * cell, width: cell, height: cell };
      if (i === j) {
        const counts = histogram(stats[col], 20, [0, 1]);
        body += barChart(box, { title: col, labels: counts.map(() => ''), values: counts, colors: counts.map(() => '#1f77b4') });
      } else body += scatter(box, { title: '', xLabel: j === 3 || i === 3 ? col : col, yLabel: row, x: stats[col], y: stats[row] });
    }),
  );
  return renderSvg(svgDocument(4 * cell, 4 * cell, body), 'jpeg');
}

/** The ten results.csv columns results.png shows, in YOLOv5's order (two rows of five). */
export const RESULTS_PANELS = [
  'train/box_loss', 'train/obj_loss', 'train/cls_loss', 'metrics/precision', 'metrics/recall',
  'val/box_loss', 'val/obj_loss', 'val/cls_loss', 'metrics/mAP_0.5', 'metrics/mAP_0.5:0.95',
] as const satisfies readonly (typeof RESULT_KEYS)[number][];

/** results.csv text -> columns by name (epoch included), as numbers. */
export function parseResultsCsv(csv: string): Record<string, number[]> {
  const [header, ...rows] = csv.trim().split('\n');
  const names = header.split(',').map((h) => h.trim());
  const cols: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const row of rows) row.split(',').forEach((v, i) => cols[names[i]]?.push(Number(v)));
  return cols;
}

/** results.png: each panel's values per epoch with markers, and a smoothed dotted line. */
export async function resultsPng(csv: string): Promise<Buffer> {
  const cols = parseResultsCsv(csv);
  const epochs = cols.epoch ?? [];
  const w = 300;
  const h = 240;
  let body = '';
  RESULTS_PANELS.forEach((name, i) => {
    const y = cols[name] ?? [];
    body += lineChart({ x: (i % 5) * w, y: Math.floor(i / 5) * h, width: w, height: h }, {
      title: name, xLabel: 'epoch',
      series: [
        { x: epochs, y, color: '#1f77b4', markers: true, width: 2 },
        { x: epochs, y: gaussianSmooth(y, 3), color: '#ff7f0e', dash: '3,3', width: 1.5 },
      ],
    });
  });
  return renderSvg(svgDocument(5 * w, 2 * h, body), 'png');
}

/** A Gaussian filter with edge clamping (YOLOv5 smooths results with sigma 3). */
export function gaussianSmooth(y: readonly number[], sigma: number): number[] {
  const r = Math.ceil(3 * sigma);
  const weights = Array.from({ length: 2 * r + 1 }, (_, k) => Math.exp(-((k - r) ** 2) / (2 * sigma * sigma)));
  return y.map((_, i) => {
    let s = 0;
    let ws = 0;
    for (let k = -r; k <= r; k++) {
      const v = y[Math.min(y.length - 1, Math.max(0, i + k))];
      s += v * weights[k + r];
      ws += weights[k + r];
    }
    return s / ws;
  });
}

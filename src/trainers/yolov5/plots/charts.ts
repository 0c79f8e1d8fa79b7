/**
 * The chart shapes YOLOv5's plots use, as SVG fragments placed in a box: line charts (results,
 * P/R/F1/PR curves), bar charts (class counts), scatter plots (label centres and sizes), a
 * labelled heatmap (the confusion matrix).
 */
import { polyline, rect, text, tick } from './svg.ts';

export interface Box { x: number; y: number; width: number; height: number }

export interface LineSeries {
  label?: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color: string;
  width?: number;
  dash?: string;
  /** Draw a dot at each point (results.png's markers). */
  markers?: boolean;
}

interface Axes {
  box: Box;
  sx: (v: number) => number;
  sy: (v: number) => number;
  svg: string;
}

const MARGIN = { left: 44, right: 8, top: 22, bottom: 30 };

/** A framed plot area with ticks and labels; returns the scales for its data. */
function axes(outer: Box, title: string, xLabel: string, yLabel: string, xr: [number, number], yr: [number, number], xTicks = true): Axes {
  const box = { x: outer.x + MARGIN.left, y: outer.y + MARGIN.top, width: outer.width - MARGIN.left - MARGIN.right, height: outer.height - MARGIN.top - MARGIN.bottom };
  const span = (r: [number, number]) => (r[1] - r[0] === 0 ? 1 : r[1] - r[0]);
  const sx = (v: number) => box.x + ((v - xr[0]) / span(xr)) * box.width;
  const sy = (v: number) => box.y + box.height - ((v - yr[0]) / span(yr)) * box.height;
  let svg = rect(box.x, box.y, box.width, box.height, 'fill="none" stroke="#888" stroke-width="1"');
  for (let i = 0; i <= 4; i++) {
    const xv = xr[0] + (span(xr) * i) / 4;
    const yv = yr[0] + (span(yr) * i) / 4;
    if (xTicks) svg += text(sx(xv), box.y + box.height + 12, tick(xv), { size: 9, anchor: 'middle' });
    svg += text(box.x - 4, sy(yv) + 3, tick(yv), { size: 9, anchor: 'end' });
  }
  svg += text(outer.x + outer.width / 2, outer.y + 14, title, { size: 11, anchor: 'middle', bold: true });
  if (xLabel) svg += text(box.x + box.width / 2, outer.y + outer.height - 4, xLabel, { size: 10, anchor: 'middle' });
  if (yLabel) svg += text(outer.x + 9, box.y + box.height / 2, yLabel, { size: 10, anchor: 'middle', rotate: -90 });
  return { box, sx, sy, svg };
}

function extent(values: Iterable<number>, fallback: [number, number]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo === Infinity ? fallback : lo === hi ? [lo - 0.5, hi + 0.5] : [lo, hi];
}

const values = (series: readonly LineSeries[], key: 'x' | 'y') => series.flatMap((s) => Array.from(s[key]));

export function lineChart(
  outer: Box,
  spec: { title: string; xLabel?: string; yLabel?: string; series: readonly LineSeries[]; xRange?: [number, number]; yRange?: [number, number]; legend?: boolean },
): string {
  const xr = spec.xRange ?? extent(values(spec.series, 'x'), [0, 1]);
  const yr = spec.yRange ?? extent(values(spec.series, 'y'), [0, 1]);
  const a = axes(outer, spec.title, spec.xLabel ?? '', spec.yLabel ?? '', xr, yr);
  let svg = a.svg;
  for (const s of spec.series) {
    const pts: [number, number][] = [];
    for (let i = 0; i < s.x.length; i++) if (Number.isFinite(s.y[i])) pts.push([a.sx(s.x[i]), a.sy(s.y[i])]);
    svg += polyline(pts, s.color, s.width ?? 1.5, s.dash);
    if (s.markers) for (const [x, y] of pts) svg += `<circle cx="${x.toFixed(2)}" cy="${y.toFixed(2)}" r="2" fill="${s.color}"/>`;
  }
  if (spec.legend) {
    spec.series.forEach((s, i) => {
      if (!s.label) return;
      const y = a.box.y + 12 + i * 13;
      svg += rect(a.box.x + a.box.width - 150, y - 8, 10, 3, `fill="${s.color}"`);
      svg += text(a.box.x + a.box.width - 136, y - 3, s.label, { size: 9 });
    });
  }
  return svg;
}

export function barChart(outer: Box, spec: { title: string; labels: readonly string[]; values: readonly number[]; colors: readonly string[]; yLabel?: string }): string {
  const n = spec.values.length;
  const a = axes(outer, spec.title, '', spec.yLabel ?? '', [0, n], [0, Math.max(1, ...spec.values)], false);
  let svg = a.svg;
  const w = a.box.width / Math.max(n, 1);
  spec.values.forEach((v, i) => {
    svg += rect(a.box.x + i * w + w * 0.1, a.sy(v), w * 0.8, a.box.y + a.box.height - a.sy(v), `fill="${spec.colors[i]}"`);
    if (n <= 30) svg += text(a.box.x + (i + 0.5) * w, a.box.y + a.box.height + 13, spec.labels[i], { size: 9, anchor: 'middle' });
  });
  return svg;
}

export function scatter(outer: Box, spec: { title: string; xLabel: string; yLabel: string; x: ArrayLike<number>; y: ArrayLike<number>; color?: string; xRange?: [number, number]; yRange?: [number, number] }): string {
  const a = axes(outer, spec.title, spec.xLabel, spec.yLabel, spec.xRange ?? [0, 1], spec.yRange ?? [0, 1]);
  let svg = a.svg;
  const color = spec.color ?? '#1f77b4';
  for (let i = 0; i < spec.x.length; i++) svg += `<circle cx="${a.sx(spec.x[i]).toFixed(1)}" cy="${a.sy(spec.y[i]).toFixed(1)}" r="1.6" fill="${color}" fill-opacity="0.35"/>`;
  return svg;
}

/** Counts of `values` in `bins` equal bins over `range`. */
export function histogram(values: ArrayLike<number>, bins: number, range: [number, number]): number[] {
  const counts = new Array<number>(bins).fill(0);
  const width = (range[1] - range[0]) / bins;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= range[0] && v <= range[1])) continue;
    counts[Math.min(bins - 1, Math.floor((v - range[0]) / width))] += 1;
  }
  return counts;
}

/** A white-to-blue colour for t in [0, 1] (the confusion matrix's scale). */
export function blues(t: number): string {
  const c = Math.max(0, Math.min(1, t));
  const mix = (a: number, b: number) => Math.round(a + (b - a) * c);
  return `rgb(${mix(247, 8)},${mix(251, 48)},${mix(255, 107)})`;
}

export function heatmap(outer: Box, spec: { title: string; rows: readonly string[]; cols: readonly string[]; cells: readonly (readonly number[])[]; xLabel: string; yLabel: string; digits?: number }): string {
  const left = 90;
  const top = 30;
  const bottom = 60;
  const grid = { x: outer.x + left, y: outer.y + top, width: outer.width - left - 10, height: outer.height - top - bottom };
  const cw = grid.width / spec.cols.length;
  const ch = grid.height / spec.rows.length;
  let svg = text(outer.x + outer.width / 2, outer.y + 18, spec.title, { size: 13, anchor: 'middle', bold: true });
  spec.cells.forEach((row, i) =>
    row.forEach((v, j) => {
      const x = grid.x + j * cw;
      const y = grid.y + i * ch;
      svg += rect(x, y, cw, ch, `fill="${blues(v)}" stroke="#fff" stroke-width="0.5"`);
      if (spec.cols.length <= 30 && v > 0) svg += text(x + cw / 2, y + ch / 2 + 4, v.toFixed(spec.digits ?? 2), { size: Math.min(11, cw / 3), anchor: 'middle', color: v > 0.5 ? '#fff' : '#222' });
    }),
  );
  spec.cols.forEach((c, j) => (svg += text(grid.x + (j + 0.5) * cw, grid.y + grid.height + 14, c, { size: 9, anchor: 'middle' })));
  spec.rows.forEach((r, i) => (svg += text(grid.x - 4, grid.y + (i + 0.5) * ch + 3, r, { size: 9, anchor: 'end' })));
  svg += text(grid.x + grid.width / 2, outer.y + outer.height - 20, spec.xLabel, { size: 11, anchor: 'middle' });
  svg += text(outer.x + 14, grid.y + grid.height / 2, spec.yLabel, { size: 11, anchor: 'middle', rotate: -90 });
  return svg;
}

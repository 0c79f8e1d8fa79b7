/**
 * A few SVG drawing primitives for the trainer's plots, rendered to PNG or JPEG by sharp
 * (librsvg). Every text that reaches the SVG goes through `escapeXml`.
 */
import { loadSharp } from '../data/load-sharp.ts';

/** YOLOv5's plotting palette (utils/plots.py, Colors), one colour per class id modulo 20. */
export const PALETTE = [
  '#FF3838', '#FF9D97', '#FF701F', '#FFB21D', '#CFD231', '#48F90A', '#92CC17', '#3DDB86', '#1A9334', '#00D4BB',
  '#2C99A8', '#00C2FF', '#344593', '#6473FF', '#0018EC', '#8438FF', '#520085', '#CB38FF', '#FF95C8', '#FF37C7',
] as const;

export const classColor = (cls: number): string => PALETTE[((cls % PALETTE.length) + PALETTE.length) % PALETTE.length];

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

/** A number as a short axis label. */
export function tick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(1) : String(Number(v.toPrecision(3)));
}

export function text(x: number, y: number, content: string, opts: { size?: number; anchor?: 'start' | 'middle' | 'end'; color?: string; rotate?: number; bold?: boolean } = {}): string {
  const rotate = opts.rotate ? ` transform="rotate(${opts.rotate} ${x} ${y})"` : '';
  return `<text x="${x}" y="${y}" font-family="DejaVu Sans, sans-serif" font-size="${opts.size ?? 11}" text-anchor="${opts.anchor ?? 'start'}" fill="${opts.color ?? '#222'}"${opts.bold ? ' font-weight="bold"' : ''}${rotate}>${escapeXml(content)}</text>`;
}

export function rect(x: number, y: number, w: number, h: number, style: string): string {
  return `<rect x="${x}" y="${y}" width="${Math.max(0, w)}" height="${Math.max(0, h)}" ${style}/>`;
}

export function polyline(points: readonly (readonly [number, number])[], color: string, width = 1.5, dash?: string): string {
  if (points.length === 0) return '';
  const d = points.map(([x, y]) => `${x.toFixed(2)},${y.toFixed(2)}`).join(' ');
  return `<polyline points="${d}" fill="none" stroke="${color}" stroke-width="${width}"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`;
}

export function svgDocument(width: number, height: number, body: string, background = 'white'): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${rect(0, 0, width, height, `fill="${background}"`)}${body}</svg>`;
}

export async function renderSvg(svg: string, format: 'png' | 'jpeg'): Promise<Buffer> {
  const sharp = await loadSharp();
  const image = sharp(Buffer.from(svg));
  return format === 'png' ? image.png().toBuffer() : image.flatten({ background: '#ffffff' }).jpeg({ quality: 90 }).toBuffer();
}

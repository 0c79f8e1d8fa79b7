/**
 * YOLOv5's results.csv (utils/loggers on_fit_epoch_end): a header of right-aligned names and
 * one row per epoch, every field printed with Python's `%20.5g` and joined by commas.
 */

/** The scalar names YOLOv5 logs each epoch, in results.csv column order. */
export const RESULT_KEYS = [
  'train/box_loss', 'train/obj_loss', 'train/cls_loss',
  'metrics/precision', 'metrics/recall', 'metrics/mAP_0.5', 'metrics/mAP_0.5:0.95',
  'val/box_loss', 'val/obj_loss', 'val/cls_loss',
  'x/lr0', 'x/lr1', 'x/lr2',
] as const;

export type ResultKey = (typeof RESULT_KEYS)[number];
export type EpochResults = Record<ResultKey, number>;

const WIDTH = 20;

/** Python's `'%.<precision>g' % x`: shortest of fixed/exponent, trailing zeros stripped. */
export function formatG(x: number, precision = 5): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mantissa, expText] = x.toExponential(precision - 1).split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= precision) {
    const sign = exp < 0 ? '-' : '+';
    return `${stripZeros(mantissa)}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return stripZeros(x.toFixed(Math.max(precision - 1 - exp, 0)));
}

function stripZeros(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** The header line (no newline): `epoch` then RESULT_KEYS, each right-aligned in 20 characters. */
export function resultsHeader(): string {
  return ['epoch', ...RESULT_KEYS].map((k) => k.padStart(WIDTH)).join(',');
}

/** One row (no newline) for `epoch` (0-based, as YOLOv5 writes it). */
export function resultsRow(epoch: number, values: EpochResults): string {
  return [epoch, ...RESULT_KEYS.map((k) => values[k])].map((v) => formatG(v).padStart(WIDTH)).join(',');
}

/** Appends a row to a results.csv text, writing the header first when the text is empty. */
export function appendResults(csv: string, epoch: number, values: EpochResults): string {
  const head = csv === '' ? `${resultsHeader()}\n` : csv;
  return `${head}${resultsRow(epoch, values)}\n`;
}

/**
 * Keeps the header and the rows of epochs before `epoch` (for a resumed run, which rewrites
 * the epochs it repeats). Text it cannot read as YOLOv5's format gives ''.
 */
export function truncateResults(csv: string, epoch: number): string {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  if (!lines.length || lines[0].split(',')[0].trim() !== 'epoch') return '';
  const kept = lines.filter((l, i) => i === 0 || Number(l.split(',')[0]) < epoch);
  return `${kept.join('\n')}\n`;
}

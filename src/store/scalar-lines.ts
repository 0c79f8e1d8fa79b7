import type { ScalarSeries } from '../core/index.ts';
import { StoreInputError } from './errors.ts';

/**
 * Scalar reports as JSON lines: `{"step":3,"values":{"metrics/mAP_0.5":0.41},"at":1700000000000}`.
 * JSON has no NaN or Infinity, and a trial that reports NaN must be recorded as NaN (the study
 * treats it as failed), so non-finite numbers travel as the strings "NaN", "Infinity", "-Infinity".
 */

const NON_FINITE: Record<string, number> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY };

/** Throws StoreInputError unless `step` is a finite number and every value a number. */
export function assertScalarReport(taskId: string, step: unknown, values: unknown): void {
  if (typeof step !== 'number' || !Number.isFinite(step)) {
    throw new StoreInputError(`appendScalars(${taskId}): step must be a finite number (an epoch), got ${String(step)}.`);
  }
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    throw new StoreInputError(`appendScalars(${taskId}): values must be an object of name -> number, got ${JSON.stringify(values)}.`);
  }
  for (const [name, value] of Object.entries(values)) {
    if (typeof value !== 'number') {
      throw new StoreInputError(`appendScalars(${taskId}): value of "${name}" must be a number, got ${JSON.stringify(value)}.`);
    }
  }
}

/** One report as a newline-terminated line, ready for a single O_APPEND write. */
export function encodeScalarLine(step: number, values: Record<string, number>, at: number): string {
  const encoded: Record<string, number | string> = {};
  for (const [name, value] of Object.entries(values)) encoded[name] = Number.isFinite(value) ? value : String(value);
  return `${JSON.stringify({ step, values: encoded, at })}\n`;
}

/**
 * Folds scalar lines into series sorted by step; a later report of the same name and step
 * replaces the earlier one. Lines that do not parse (a torn final line after a crash, or a
 * torn line that a later append was glued onto) are skipped, salvaging the glued report.
 */
export function parseScalarLines(text: string): ScalarSeries {
  const byName = new Map<string, Map<number, number>>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const report = parseLine(line);
    if (!report) continue;
    for (const [name, raw] of Object.entries(report.values)) {
      const value = typeof raw === 'number' ? raw : NON_FINITE[raw];
      if (value === undefined) continue;
      let points = byName.get(name);
      if (!points) byName.set(name, (points = new Map()));
      points.set(report.step, value);
    }
  }
  const series: ScalarSeries = {};
  for (const [name, points] of byName) {
    series[name] = [...points].sort((a, b) => a[0] - b[0]).map(([step, value]) => ({ step, value }));
  }
  return series;
}

interface Report {
  step: number;
  values: Record<string, number | string>;
}

function parseLine(line: string): Report | undefined {
  const report = tryParse(line);
  if (report) return report;
  // A torn write followed by a whole one: the whole one starts at the last `{"step":`.
  const start = line.lastIndexOf('{"step":');
  return start > 0 ? tryParse(line.slice(start)) : undefined;
}

function tryParse(text: string): Report | undefined {
  try {
    const value = JSON.parse(text) as Partial<Report>;
    if (typeof value?.step !== 'number' || typeof value.values !== 'object' || value.values === null) return undefined;
    return value as Report;
  } catch {
    return undefined;
  }
}

import { readFile } from 'node:fs/promises';

export interface CsvRow {
  epoch: number;
  scalars: Record<string, number>;
}

/**
 * Parses a YOLOv5 results.csv (header padded with spaces, one row per epoch) into per-epoch
 * scalars under the header's names (`metrics/mAP_0.5:0.95`, `train/box_loss`, ...). Only
 * lines ended by a newline count, so a row caught mid-write is read on the next pass.
 */
export function parseResultsCsv(text: string): CsvRow[] {
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  const [header, ...rows] = complete.split('\n').filter((l) => l.trim());
  if (!header) return [];
  const names = header.split(',').map((s) => s.trim());
  return rows
    .map((row) => row.split(',').map((s) => Number(s.trim())))
    .filter((cells) => cells.length === names.length && cells.every(Number.isFinite))
    .map((cells) => ({
      epoch: cells[0],
      scalars: Object.fromEntries(names.slice(1).map((n, i) => [n, cells[i + 1]])),
    }));
}

/** Reads and parses `file`; a file that does not exist (yet) has no rows. */
export async function readResultsCsv(file: string): Promise<CsvRow[]> {
  try {
    return parseResultsCsv(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

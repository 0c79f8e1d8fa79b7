import { readFile } from 'node:fs/promises';

/**
 * Reads a YOLOv5 results.csv (padded header, one row per epoch) into per-epoch scalars under
 * the header's names (`metrics/mAP_0.5:0.95`, `train/box_loss`, ...). A missing file is empty.
 */
export async function parseResultsCsv(file: string): Promise<{ epoch: number; scalars: Record<string, number> }[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  const [header, ...rows] = text.split('\n').filter((l) => l.trim());
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

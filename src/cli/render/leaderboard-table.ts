import Table from 'cli-table3';
import type { Leaderboard } from '../../study/index.ts';
import { formatValue } from '../../study/index.ts';

/** The leaderboard as a terminal table: rank, task id, status, objective, searched params, epochs, duration. */
export function renderLeaderboard(board: Leaderboard, options: { limit?: number } = {}): string {
  const short = board.searched.map((k) => k.split('/').pop() ?? k);
  const table = new Table({
    head: ['#', 'task', 'status', board.metric, ...short, 'epochs', 'time'],
    style: { head: [], border: [] },
  });
  for (const row of board.rows.slice(0, options.limit ?? board.rows.length)) {
    table.push([
      row.rank,
      row.taskId,
      row.status,
      row.objective === null || !Number.isFinite(row.objective) ? '-' : row.objective.toFixed(4),
      ...board.searched.map((k) => formatValue(row.params[k])),
      row.epochs,
      row.durationMs === null ? '-' : formatDuration(row.durationMs),
    ]);
  }
  // Only a completed trial with a value is ever called best (never a failed one's partial value).
  const best = board.rows.find((r) => r.status === 'completed' && r.objective !== null && Number.isFinite(r.objective));
  const header = `${board.name} (${board.controllerId}): ${board.status}, ${board.rows.length} trials, ${board.direction} ${board.metric}`;
  const footer = best ? `best: ${best.taskId} ${board.metric}=${best.objective?.toFixed(4)}` : 'no completed trial yet';
  return `${header}\n${table.toString()}\n${footer}\n`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

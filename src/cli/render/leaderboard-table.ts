import Table from 'cli-table3';
import type { Leaderboard } from '../../study/index.ts';
import { formatValue } from '../../study/index.ts';

/**
 * The leaderboard as a terminal table: rank, task id, status, objective(s), searched params,
 * epochs, duration. Several objectives add a `front` column (0 = Pareto front, marked `*`) and a
 * `Pareto front:` footer; constraints mark infeasible trials `(infeasible)` in the status column.
 * A param a trial left inactive (conditional space) is an empty cell.
 */
export function renderLeaderboard(board: Leaderboard, options: { limit?: number } = {}): string {
  const short = board.searched.map((k) => k.split('/').pop() ?? k);
  const objectives = board.objectives ?? [{ metric: board.metric, direction: board.direction }];
  const several = objectives.length > 1;
  const table = new Table({
    head: ['#', 'task', 'status', ...(several ? ['front'] : []), ...objectives.map((o) => o.metric), ...short, 'epochs', 'time'],
    style: { head: [], border: [] },
  });
  for (const row of board.rows.slice(0, options.limit ?? board.rows.length)) {
    table.push([
      row.rank,
      row.taskId,
      row.feasible === false ? `${row.status} (infeasible)` : row.status,
      ...(several ? [row.front === undefined ? '-' : row.front === 0 ? '0 *' : String(row.front)] : []),
      ...(several ? objectives.map((_, i) => show(row.values?.[i])) : [show(row.objective)]),
      ...board.searched.map((k) => (k in row.params ? formatValue(row.params[k]) : '')),
      row.epochs,
      row.durationMs === null ? '-' : formatDuration(row.durationMs),
    ]);
  }
  // Only a feasible completed trial with a value is ever called best (never a failed one's partial value).
  const best = board.rows.find((r) => r.status === 'completed' && r.feasible !== false && r.objective !== null && Number.isFinite(r.objective));
  const goal = objectives.map((o) => `${o.direction} ${o.metric}`).join(', ');
  const header = `${board.name} (${board.controllerId}): ${board.status}, ${board.rows.length} trials, ${goal}`;
  const footer = several
    ? `Pareto front: ${board.pareto?.length ? board.pareto.join(', ') : 'no feasible completed trial yet'}`
    : best
      ? `best: ${best.taskId} ${board.metric}=${best.objective?.toFixed(4)}`
      : board.rows.some((r) => r.status === 'completed')
        ? 'no feasible completed trial yet'
        : 'no completed trial yet';
  return `${header}\n${table.toString()}\n${footer}\n`;
}

function show(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(4);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

import Table from 'cli-table3';
import { z } from 'zod';
import type { Task } from '../../core/index.ts';
import { parseOrThrow } from '../../core/parse-input.ts';
import { openCliStore, type GlobalOptions } from '../context.ts';
import { formatDuration } from '../render/leaderboard-table.ts';
import { describeEnvironment } from '../render/environment.ts';

const listFlags = z.looseObject({
  status: z.enum(['draft', 'queued', 'running', 'completed', 'failed', 'stopped']).optional(),
});

/** `hpo tasks list`: one row per task, oldest first. */
export async function tasksListCommand(
  options: { project?: string; status?: string; parent?: string; type?: 'training' | 'controller' | 'autoscaler'; json?: boolean },
  globals: GlobalOptions,
): Promise<void> {
  const { status } = parseOrThrow(listFlags, options, 'flags');
  const { store } = await openCliStore(globals);
  const tasks = await store.list({ project: options.project, status, parent: options.parent, type: options.type });
  await store.close();
  if (options.json) {
    process.stdout.write(JSON.stringify(tasks, null, 2) + '\n');
    return;
  }
  const table = new Table({ head: ['id', 'type', 'status', 'name', 'project', 'parent', 'created'], style: { head: [], border: [] } });
  for (const t of tasks) {
    table.push([t.id, t.type, t.status + (t.statusReason ? ` (${truncate(t.statusReason, 30)})` : ''), truncate(t.name, 50), t.project, t.parent ?? '', new Date(t.createdAt).toISOString().slice(0, 19)]);
  }
  process.stdout.write(tasks.length ? table.toString() + '\n' : 'no tasks\n');
}

/** `hpo tasks show <id>`: params, status, last scalars, artifacts, log tail. */
export async function tasksShowCommand(id: string, options: { json?: boolean }, globals: GlobalOptions): Promise<void> {
  const { store } = await openCliStore(globals);
  const task = await store.get(id);
  const [scalars, log] = await Promise.all([store.getScalars(id), store.readLog(id)]);
  await store.close();
  if (options.json) {
    process.stdout.write(JSON.stringify({ ...task, scalars, log }, null, 2) + '\n');
    return;
  }
  process.stdout.write(describeTask(task));
  const last = Object.entries(scalars).map(([k, s]) => `  ${k} = ${s.at(-1)?.value.toFixed(5)} (epoch ${(s.at(-1)?.step ?? 0) + 1})`);
  if (last.length) process.stdout.write(`scalars (last of ${Math.max(...Object.values(scalars).map((s) => s.length))} epochs):\n${last.join('\n')}\n`);
  const artifacts = Object.values(task.artifacts);
  if (artifacts.length) process.stdout.write(`artifacts:\n${artifacts.map((a) => `  ${a.name} (${a.size} bytes)`).join('\n')}\n`);
  const tail = log.trimEnd().split('\n').slice(-20).join('\n');
  if (tail) process.stdout.write(`log (last 20 lines):\n${tail}\n`);
}

function describeTask(t: Task): string {
  const lines = [
    `${t.id}  ${t.name}`,
    `type ${t.type}, project ${t.project}, status ${t.status}${t.statusReason ? ` (${t.statusReason})` : ''}`,
    `trainer ${JSON.stringify(t.trainer)}`,
    t.parent ? `parent ${t.parent}` : '',
    t.startedAt ? `duration ${formatDuration((t.finishedAt ?? Date.now()) - t.startedAt)}` : '',
    t.ending ? `ending ${t.ending.kind}: ${t.ending.reason}` : '',
    t.error ? `error ${t.error.name}: ${t.error.message}` : '',
    t.lease ? `lease ${t.lease.owner} until ${new Date(t.lease.expiresAt).toISOString()}` : '',
    t.hpoVersion ? `code hpo ${t.hpoVersion} (built-in trainer; agents of another version warn, --strict ones refuse)` : '',
    t.code ? `code ${t.code.remote} at ${t.code.commit.slice(0, 12)}${t.code.branch ? ` (${t.code.branch})` : ''}${t.code.diff ? `, ${t.code.diff.split('\n').length} diff lines` : ''}${t.code.untracked ? `, ${t.code.untracked.length} untracked files` : ''}, working dir ${t.code.workingDir}` : '',
    ...(t.environment ? describeEnvironment(t.environment) : []),
    Object.keys(t.params).length ? `params:\n${Object.entries(t.params).map(([k, v]) => `  ${k} = ${JSON.stringify(v)}`).join('\n')}` : '',
  ];
  return lines.filter(Boolean).join('\n') + '\n';
}

function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

import Table from 'cli-table3';
import { z } from 'zod';
import type { Task } from '../../core/index.ts';
import { parseOrThrow } from '../../core/parse-input.ts';
import { openCliStore, type GlobalOptions } from '../context.ts';
import { formatDuration } from '../render/leaderboard-table.ts';

const listFlags = z.looseObject({
  status: z.enum(['draft', 'queued', 'running', 'completed', 'failed', 'stopped']).optional(),
});

/** `hpo tasks list`: one row per task, oldest first. */
export async function tasksListCommand(
  options: { project?: string; status?: string; parent?: string; type?: 'training' | 'controller'; archived?: boolean; json?: boolean },
  globals: GlobalOptions,
): Promise<void> {
  const { status } = parseOrThrow(listFlags, options, 'flags');
  const { store } = await openCliStore(globals);
  const all = await store.list({ project: options.project, status, parent: options.parent, type: options.type });
  const tasks = options.archived ? all : all.filter((t) => !t.tags.includes('archived'));
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
  if (artifacts.length) process.stdout.write(`artifacts:\n${artifacts.map((a) => `  ${a.name} (${a.size} bytes, sha256 ${a.sha256?.slice(0, 12) ?? '?'}) ${a.location}`).join('\n')}\n`);
  if (task.artifactsDeleted) process.stdout.write(`artifacts deleted ${new Date(task.artifactsDeleted.at).toISOString().slice(0, 19)}: ${task.artifactsDeleted.names.join(', ')} (${task.artifactsDeleted.reason})\n`);
  if (task.dataset) process.stdout.write(`dataset ${task.dataset.id} (${task.dataset.uri}), content ${task.dataset.contentHash.slice(0, 12)}\n`);
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
    t.error ? `error ${t.error.name}: ${t.error.message}` : '',
    t.environment ? `environment node ${t.environment.node} on ${t.environment.host}${t.environment.git ? `, git ${t.environment.git.commit.slice(0, 10)}${t.environment.git.dirty ? ' (dirty)' : ''}` : ''}` : '',
    Object.keys(t.params).length ? `params:\n${Object.entries(t.params).map(([k, v]) => `  ${k} = ${JSON.stringify(v)}`).join('\n')}` : '',
  ];
  return lines.filter(Boolean).join('\n') + '\n';
}

function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

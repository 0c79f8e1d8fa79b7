import Table from 'cli-table3';
import { z } from 'zod';
import { ConfigError, isFinal, type Task, type TaskStore } from '../../core/index.ts';
import { parseOrThrow } from '../../core/parse-input.ts';
import { logLine, openCliArtifacts, openCliStore, type GlobalOptions } from '../context.ts';
import { formatDuration } from '../render/leaderboard-table.ts';
import { describeEnvironment } from '../render/environment.ts';

const listFlags = z.looseObject({
  status: z.enum(['draft', 'queued', 'running', 'completed', 'failed', 'stopped']).optional(),
});

/** `hpo tasks list`: one row per task, oldest first. */
export async function tasksListCommand(
  options: { project?: string; status?: string; parent?: string; type?: 'training' | 'controller' | 'autoscaler'; archived?: boolean; json?: boolean },
  globals: GlobalOptions,
): Promise<void> {
  const { status } = parseOrThrow(listFlags, options, 'flags');
  const { store } = await openCliStore(globals);
  const all = await store.list({ project: options.project, status, parent: options.parent, type: options.type });
  await store.close();
  const tasks = options.archived ? all : all.filter((t) => !t.tags.includes(ARCHIVED));
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
  if (artifacts.length) process.stdout.write(`artifacts:\n${artifacts.map((a) => `  ${a.name} (${a.size} bytes${a.sha256 ? `, sha256 ${a.sha256.slice(0, 12)}` : ''}) ${a.location}`).join('\n')}\n`);
  const gone = task.artifactsDeleted;
  if (gone) process.stdout.write(`artifacts deleted ${new Date(gone.at).toISOString().slice(0, 19)}: ${gone.names.join(', ')} (${gone.reason})\n`);
  if (task.dataset) process.stdout.write(`dataset ${task.dataset.id} (${task.dataset.uri}), content ${task.dataset.contentHash.slice(0, 12)}\n`);
  const tail = log.trimEnd().split('\n').slice(-20).join('\n');
  if (tail) process.stdout.write(`log (last 20 lines):\n${tail}\n`);
}

/** The tag `hpo tasks archive` sets; `hpo tasks list` hides such tasks unless --archived. */
const ARCHIVED = 'archived';

/**
 * `hpo tasks delete <id...>`: deletes the tasks' artifacts (a study's id: its trials' too); the
 * records, scalars and logs stay and say when and why. Every id is checked first, and a task
 * still running is refused (its trainer would upload again), so nothing is deleted by halves.
 */
export async function tasksDeleteCommand(ids: string[], globals: GlobalOptions): Promise<void> {
  const { store, storeSpec } = await openCliStore(globals);
  const stores = await openCliArtifacts(globals, storeSpec);
  const { deleteTaskArtifacts } = await import('../../artifacts/index.ts');
  const targets = await withTrials(store, ids);
  const running = targets.filter((t) => !isFinal(t.status) && t.status !== 'draft');
  if (running.length) {
    throw new ConfigError(`Cannot delete the artifacts of ${running.map((t) => `${t.id} (${t.status})`).join(', ')}: stop ${running.length > 1 ? 'them' : 'it'} first (\`hpo stop <id>\`).`);
  }
  for (const task of targets) {
    const gone = await deleteTaskArtifacts(store, stores, task.id, 'deleted by `hpo tasks delete`');
    logLine(globals, 'info', `${task.id}: deleted ${gone.length} artifacts (${gone.reduce((sum, r) => sum + r.size, 0)} bytes)`);
  }
}

/** `hpo tasks archive <id...>`: tags the tasks (a study's id: its trials too) `archived`; artifacts stay. */
export async function tasksArchiveCommand(ids: string[], globals: GlobalOptions): Promise<void> {
  const { store } = await openCliStore(globals);
  const targets = await withTrials(store, ids);
  for (const task of targets) {
    if (!task.tags.includes(ARCHIVED)) await store.update(task.id, { tags: [...task.tags, ARCHIVED] });
  }
  logLine(globals, 'info', `archived ${targets.length} tasks (hidden from \`hpo tasks list\` unless --archived)`);
}

/** The tasks `ids` name (each must exist) and, for a controller, its trials. */
async function withTrials(store: TaskStore, ids: string[]): Promise<Task[]> {
  const found = new Map<string, Task>();
  for (const id of ids) {
    const task = await store.get(id);
    found.set(task.id, task);
    if (task.type === 'controller') for (const trial of await store.list({ parent: task.id })) found.set(trial.id, trial);
  }
  return [...found.values()];
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

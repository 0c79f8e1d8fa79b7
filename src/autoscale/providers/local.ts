import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ListedInstance } from '../types.ts';
import { ProviderError, type Provider } from './provider.ts';

export interface LocalProviderOptions {
  /** Folder for pid files (`<name>.json`) and agent logs (`<name>.log`). */
  dir: string;
  /** Names of our instances start with this. */
  namePrefix: string;
  /** The CLI entry the agents run (`bin/hpo.js`). */
  bin: string;
  /** Global flags before `agent` (`--store ...`) and the agent's own flags (`--queue ...`). */
  globalArgs: readonly string[];
  agentArgs: readonly string[];
  /** GPU ids; each agent gets one (`--gpus <id>`), so at most this many agents run. */
  gpus?: readonly string[];
  env?: NodeJS.ProcessEnv;
}

const pidFileSchema = z.object({ id: z.string(), name: z.string(), pid: z.number().int().positive(), startedAt: z.number(), gpu: z.string().optional() });
type PidFile = z.output<typeof pidFileSchema>;

/**
 * Agents as processes on this machine: `node bin/hpo.js agent --name <name> ...`, detached
 * (their own session, output to a log file) so they outlive the autoscaler, even its kill -9.
 * A pid file per agent is the provider's list; a pid counts only while it is alive, not a
 * zombie, and its command line still carries the agent's name (a reused pid is not ours).
 */
export class LocalProvider implements Provider {
  readonly type = 'local';
  constructor(private readonly options: LocalProviderOptions) {}

  async list(): Promise<ListedInstance[]> {
    return this.readPidFiles().map((p) => ({ id: p.id, name: p.name, startedAt: p.startedAt, detail: { pid: p.pid, ...(p.gpu ? { gpu: p.gpu } : {}) } }));
  }

  async start(name: string): Promise<ListedInstance> {
    const { dir, gpus } = this.options;
    mkdirSync(dir, { recursive: true });
    let gpu: string | undefined;
    if (gpus?.length) {
      const taken = new Set(this.readPidFiles().map((p) => p.gpu));
      gpu = gpus.find((g) => !taken.has(g));
      if (gpu === undefined) throw new ProviderError(`local provider: all GPUs (${gpus.join(',')}) have an agent; lower max or list more GPUs.`);
    }
    const args = [this.options.bin, ...this.options.globalArgs, 'agent', '--name', name, ...this.options.agentArgs, ...(gpu ? ['--gpus', gpu] : [])];
    const out = openSync(path.join(dir, `${name}.log`), 'a');
    try {
      const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', out, out], env: this.options.env ?? process.env });
      const pid = await new Promise<number>((resolve, reject) => {
        child.once('spawn', () => resolve(child.pid!));
        child.once('error', (error) => reject(new ProviderError(`local provider: could not start ${process.execPath}: ${error.message}`, { cause: error })));
      });
      child.unref();
      const record: PidFile = { id: name, name, pid, startedAt: Date.now(), ...(gpu ? { gpu } : {}) };
      const file = path.join(dir, `${name}.json`);
      writeFileSync(`${file}.tmp`, JSON.stringify(record));
      renameSync(`${file}.tmp`, file);
      return { id: record.id, name, startedAt: record.startedAt, detail: { pid, ...(gpu ? { gpu } : {}) } };
    } finally {
      closeSync(out);
    }
  }

  async stop(instance: { id: string; name: string }, { force }: { force: boolean }): Promise<void> {
    const record = this.readPidFiles().find((p) => p.id === instance.id);
    if (!record) return; // already gone
    try {
      process.kill(record.pid, force ? 'SIGKILL' : 'SIGTERM');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }

  /** Pid files of our live agents; files of dead ones are removed on the way. */
  private readPidFiles(): PidFile[] {
    const { dir, namePrefix } = this.options;
    if (!existsSync(dir)) return [];
    const found: PidFile[] = [];
    for (const entry of readdirSync(dir)) {
      if (!entry.endsWith('.json') || !entry.startsWith(namePrefix)) continue;
      const file = path.join(dir, entry);
      let record: PidFile;
      try {
        record = pidFileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
      } catch {
        continue; // being written, or not ours
      }
      if (isOurProcess(record.pid, record.name)) found.push(record);
      else rmSync(file, { force: true });
    }
    return found;
  }
}

/** True when `pid` runs, is not a zombie, and (where /proc exists) its command line names `name`. */
export function isOurProcess(pid: number, name: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false; // gone, or another user's process (EPERM): not ours either way
  }
  const proc = `/proc/${pid}`;
  if (!existsSync(proc)) return true;
  try {
    const stat = readFileSync(`${proc}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false;
    return readFileSync(`${proc}/cmdline`, 'utf8').split('\0').includes(name);
  } catch {
    return false; // exited while we looked
  }
}

import { execFile } from 'node:child_process';
import type { ListedInstance } from '../types.ts';
import { ProviderError, type Provider } from './provider.ts';

/** One provider call: an argv (never a shell) with `{name}`, `{id}`, `{queues}` filled in. */
export interface CommandSpec {
  argv: readonly string[];
}

export interface CommandProviderOptions {
  /** Starts one instance; prints JSON holding the new instance's id at `idPath`. */
  start: CommandSpec & { idPath: string };
  /** Stops one instance (`{id}`, `{name}`); `forceArgv` for a stop that did not take, default the same argv. */
  stop: CommandSpec & { forceArgv?: readonly string[] };
  /** Lists instances as JSON: an array at `itemsPath` ('' for the output itself) of objects with an id, a name and optionally a start time. */
  list: CommandSpec & { itemsPath: string; idPath: string; namePath: string; startedAtPath?: string };
  namePrefix: string;
  queues: readonly string[];
  timeoutMs: number;
}

/**
 * Instances through the user's own commands (the AWS, gcloud or kubectl CLIs), run with
 * execFile: arguments go to the program as given, so no value is ever parsed by a shell. Ids
 * and lists are read from the commands' JSON output at the paths configured (`a.b.0.c`; `*`
 * flattens an array, for AWS's `Reservations.*.Instances`).
 */
export class CommandProvider implements Provider {
  readonly type = 'command';
  constructor(private readonly options: CommandProviderOptions) {}

  async list(): Promise<ListedInstance[]> {
    const { list, namePrefix } = this.options;
    const output = await this.run('list', list.argv, {});
    const items = valuesAt(output, list.itemsPath);
    const found: ListedInstance[] = [];
    for (const item of items) {
      const id = single(item, list.idPath);
      const name = single(item, list.namePath);
      if (typeof id !== 'string' || typeof name !== 'string') continue; // an instance without our tag
      if (!name.startsWith(namePrefix)) continue;
      const raw = list.startedAtPath ? single(item, list.startedAtPath) : undefined;
      const startedAt = typeof raw === 'number' ? raw : typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
      found.push({ id, name, ...(Number.isFinite(startedAt) ? { startedAt } : {}) });
    }
    return found;
  }

  async start(name: string): Promise<ListedInstance> {
    const output = await this.run('start', this.options.start.argv, { name });
    const id = single(output, this.options.start.idPath);
    if (typeof id !== 'string' && typeof id !== 'number') {
      throw new ProviderError(
        `command provider: the start command's output has no instance id at "${this.options.start.idPath}" (got ${excerpt(output)}). ` +
          'Set autoscale.provider.start.idPath to where the id is.',
      );
    }
    return { id: String(id), name, startedAt: Date.now() };
  }

  async stop(instance: { id: string; name: string }, { force }: { force: boolean }): Promise<void> {
    const argv = force && this.options.stop.forceArgv ? this.options.stop.forceArgv : this.options.stop.argv;
    await this.run('stop', argv, { id: instance.id, name: instance.name }, false);
  }

  /** Runs one command; returns its stdout parsed as JSON (or undefined when `json` is false). */
  private run(what: string, template: readonly string[], values: Record<string, string>, json = true): Promise<unknown> {
    const argv = fill(template, { ...values, queues: this.options.queues.join(',') });
    const shown = argv.map((a) => JSON.stringify(a)).join(' ');
    return new Promise((resolve, reject) => {
      execFile(argv[0], argv.slice(1), { timeout: this.options.timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
        if (error) {
          const why = error.killed ? `timed out after ${this.options.timeoutMs} ms` : `failed (${error.code ?? error.message})`;
          return reject(new ProviderError(`command provider: ${what} command [${shown}] ${why}: ${stderr.trim().slice(-500) || error.message}`, { cause: error }));
        }
        if (!json) return resolve(undefined);
        try {
          resolve(JSON.parse(stdout));
        } catch {
          reject(new ProviderError(`command provider: ${what} command [${shown}] printed no JSON (got ${JSON.stringify(stdout.slice(0, 200))}); make it print JSON (e.g. --output json).`));
        }
      });
    });
  }
}

/** Fills `{key}` placeholders in each argument; an unknown placeholder is an error, not a silent blank. */
export function fill(template: readonly string[], values: Record<string, string>): string[] {
  return template.map((arg) =>
    arg.replace(/\{([a-z]+)\}/g, (whole, key: string) => {
      if (!(key in values)) throw new ProviderError(`command provider: unknown placeholder ${whole} in ${JSON.stringify(arg)}; known: ${Object.keys(values).map((k) => `{${k}}`).join(', ')}.`);
      return values[key];
    }),
  );
}

/** Every value at a dotted path; `*` steps into each element of an array. */
export function valuesAt(value: unknown, dotted: string): unknown[] {
  let current: unknown[] = [value];
  for (const key of dotted === '' ? [] : dotted.split('.')) {
    current = current.flatMap((v) => {
      if (key === '*') return Array.isArray(v) ? v : [];
      if (v !== null && typeof v === 'object' && key in v) return [(v as Record<string, unknown>)[key]];
      return [];
    });
  }
  return current.flatMap((v) => (Array.isArray(v) ? v : [v]));
}

function single(value: unknown, dotted: string): unknown {
  let v: unknown = value;
  for (const key of dotted === '' ? [] : dotted.split('.')) {
    if (v === null || typeof v !== 'object' || !(key in v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function excerpt(value: unknown): string {
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

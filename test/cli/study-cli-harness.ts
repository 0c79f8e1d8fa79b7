import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { Task, TaskStore } from '../../src/core/index.ts';
import { openStore } from '../../src/store/index.ts';
import { deleteKeys } from '../exec/queue/redis-keys-cleanup.ts';
import { storeKeys } from '../../src/store/redis/index.ts';
import { BIN, tempDir } from '../helpers/temp.ts';

export type StoreKind = 'file' | 'redis';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The real `hpo` binary against one store (a folder in `dir`, or Redis under a fresh prefix), so
 * a test runs the same commands on both backends. Leases last 3 s so expiry is quick to reach.
 */
export class StudyCli {
  readonly prefix = `hpo-test-${randomUUID()}:`;
  readonly storeSpec: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(readonly kind: StoreKind, readonly dir: string) {
    this.storeSpec = kind === 'file' ? path.join(dir, '.hpo') : process.env.REDIS_URL!;
    if (kind === 'redis' && !this.storeSpec) throw new Error('REDIS_URL is not set: the global test setup (test/setup/redis.ts) must run first.');
    this.env = { ...process.env, HPO_HOME: undefined, HPO_REDIS_PREFIX: this.prefix, HPO_LEASE_TTL_MS: '3000' };
  }

  /** Starts `hpo --store <store> ...args`; `detached` gives it its own process group, as a terminal does. */
  start(args: string[], options: { detached?: boolean } = {}): ChildProcess & { result: Promise<CliResult> } {
    const child = spawn(process.execPath, [BIN, '--store', this.storeSpec, ...args], { cwd: this.dir, env: this.env, detached: options.detached, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c));
    child.stderr!.on('data', (c: Buffer) => (stderr += c));
    const result = new Promise<CliResult>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
    return Object.assign(child, { result });
  }

  run(args: string[]): Promise<CliResult> {
    return this.start(args).result;
  }

  /** `hpo train template.ts` -> the template task id. */
  async train(): Promise<string> {
    const r = await this.run(['train', 'template.ts']);
    if (r.code !== 0) throw new Error(`hpo train failed: ${r.stderr}`);
    return r.stdout.trim();
  }

  /**
   * `hpo task create template.ts` -> the id of a draft template task. A study clones a draft as
   * well as a trained one; training it first (`train`) costs a whole trial's time for nothing.
   */
  async createTemplate(): Promise<string> {
    const r = await this.run(['task', 'create', 'template.ts']);
    if (r.code !== 0) throw new Error(`hpo task create failed: ${r.stderr}`);
    return r.stdout.trim();
  }

  async openStore(): Promise<TaskStore> {
    const previous = process.env.HPO_REDIS_PREFIX;
    process.env.HPO_REDIS_PREFIX = this.prefix;
    try {
      return await openStore(this.storeSpec);
    } finally {
      if (previous === undefined) delete process.env.HPO_REDIS_PREFIX;
      else process.env.HPO_REDIS_PREFIX = previous;
    }
  }

  async cleanup(): Promise<void> {
    if (this.kind === 'redis') await deleteKeys(this.storeSpec, storeKeys(this.prefix).pattern());
  }
}

/**
 * A fresh StudyCli for each test of the enclosing describe: its own temp folder and Redis key
 * prefix, both removed after the test. Call the returned function inside a test.
 */
export function useStudyCli(kind: StoreKind): () => StudyCli {
  let cli: StudyCli | undefined;
  let removeDir: (() => Promise<void>) | undefined;
  beforeEach(async () => {
    const temp = await tempDir();
    removeDir = temp.cleanup;
    cli = new StudyCli(kind, temp.dir);
  });
  afterEach(async () => {
    await cli?.cleanup();
    await removeDir?.();
    cli = removeDir = undefined;
  });
  return () => {
    if (!cli) throw new Error('useStudyCli: call the returned function inside a test, not at describe time.');
    return cli;
  };
}

/** Polls `check` every 100 ms until it returns a value (not undefined/false), for up to `ms`. */
export async function waitUntil<T>(what: string, check: () => Promise<T | undefined | false>, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The one controller task in the store. */
export async function onlyController(store: TaskStore): Promise<Task | undefined> {
  return (await store.list({ type: 'controller' }))[0];
}

/** Search params of each trial as a string, to find a param set run twice. */
export function paramKeys(trials: Task[], names: string[]): string[] {
  return trials.map((t) => JSON.stringify(names.map((n) => t.params[n])));
}

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../setup/redis.ts';

/**
 * A private redis-server for tests that restart Redis (never the machine's shared one).
 * No automatic persistence (`--save ''`, no AOF); `restart` saves a snapshot on shutdown and
 * loads it on start, as a production Redis with persistence would across a restart.
 */
export class OwnRedis {
  private child?: ChildProcess;
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<OwnRedis> {
    const server = new OwnRedis(await freePort(), mkdtempSync(join(tmpdir(), 'hpo-redis-')));
    await server.up();
    return server;
  }

  /**
   * Shuts down, stays down for `downMs`, starts again on the same port. Saves a snapshot on the
   * way down (as a Redis with persistence keeps its data) unless `save` is false: then the data
   * is gone, as with a Redis that persists nothing.
   */
  async restart(downMs: number, options: { save?: boolean } = {}): Promise<void> {
    await this.down(options.save ?? true);
    await new Promise((r) => setTimeout(r, downMs));
    await this.up();
  }

  /** Kills the server (as a crash or a lost machine would: connections drop) and removes its folder. Safe to call twice. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Freezes the server (SIGSTOP): connections stay open and commands get no answer, as in a hung Redis. */
  pause(): void {
    this.child!.kill('SIGSTOP');
  }

  /** Lets a paused server answer again. */
  resume(): void {
    this.child!.kill('SIGCONT');
  }

  private async up(): Promise<void> {
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      const client = new Redis(this.url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      client.on('error', () => {});
      try {
        await client.connect();
        if ((await client.ping()) === 'PONG') return void client.disconnect();
      } catch {
        client.disconnect();
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server on port ${this.port} did not start`);
  }

  private async down(save: boolean): Promise<void> {
    const child = this.child!;
    const exited = new Promise((r) => child.once('exit', r));
    const client = new Redis(this.url, { maxRetriesPerRequest: 0 });
    client.on('error', () => {});
    await client.call('SHUTDOWN', save ? 'SAVE' : 'NOSAVE').catch(() => {}); // the connection drops as the server exits
    client.disconnect();
    await exited;
  }
}

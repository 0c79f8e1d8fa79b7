import type { TaskStore } from '../../core/index.ts';

/**
 * Collects a child's console output and appends it to the task's log in batches, so a chatty
 * trainer costs one store write per flush rather than one per line.
 */
export class LogCapture {
  private pending = '';
  private chain: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;

  constructor(private readonly store: TaskStore, private readonly taskId: string, private readonly flushMs = 200) {}

  write(chunk: Buffer | string): void {
    this.pending += chunk.toString();
    this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  async close(): Promise<void> {
    this.flush();
    await this.chain;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending) return;
    const text = this.pending;
    this.pending = '';
    this.chain = this.chain.then(() => this.store.appendLog(this.taskId, text)).catch(() => {});
  }
}

import { HpoError } from '../../core/index.ts';
import type { ListedInstance } from '../types.ts';

/**
 * Where instances come from: a small interface every provider implements. Instances are
 * tagged ours by name: every name starts with the autoscaler's prefix, and `list` returns only
 * those, so several autoscalers (or other machines) can share an account or a folder.
 */
export interface Provider {
  readonly type: string;
  /** Instances running now whose name starts with the prefix. */
  list(): Promise<ListedInstance[]>;
  /** Starts one instance whose agent runs with `--name <name>`; resolves once the provider has it. */
  start(name: string): Promise<ListedInstance>;
  /** Asks an instance to stop: SIGTERM-like, so its agent hands back or finishes its trial; `force` kills. */
  stop(instance: { id: string; name: string }, options: { force: boolean }): Promise<void>;
}

/** A provider call that failed: the command, its exit and its output say why. */
export class ProviderError extends HpoError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PROVIDER_FAILED', message, options);
    this.name = 'ProviderError';
  }
}

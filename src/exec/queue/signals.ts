import type { Agent } from './agent.ts';

export interface SignalOptions {
  /** Let running tasks finish instead of requeueing them (`hpo agent --drain`). */
  drain?: boolean;
  /** A second signal while closing: the caller exits at once (only the CLI entry calls process.exit). */
  onForce?: (signal: NodeJS.Signals) => void;
  /** After the agent closed on a signal. */
  onClosed?: (signal: NodeJS.Signals) => void;
  onError?: (error: unknown) => void;
}

/**
 * Graceful shutdown on SIGTERM and SIGINT: the first signal closes the agent (requeue, or
 * drain); a second one calls `onForce`. Returns a function that removes the handlers.
 */
export function closeOnSignals(agent: Agent, options: SignalOptions = {}): () => void {
  let received = 0;
  const handler = (signal: NodeJS.Signals): void => {
    received++;
    if (received > 1) return options.onForce?.(signal);
    agent.close({ drain: options.drain }).then(
      () => options.onClosed?.(signal),
      (error: unknown) => options.onError?.(error),
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
}

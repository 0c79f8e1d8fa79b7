import { isFinal, type Clock, type StopRequest, type TaskStore } from '../../core/index.ts';
import { isTaskGone } from '../../store/errors.ts';

export interface HeartbeatOptions {
  store: TaskStore;
  taskId: string;
  everyMs: number;
  clock: Clock;
  /** Called once when the task's record carries a stop request (prune, study stop, `hpo stop`). */
  onStopRequest(request: StopRequest): void;
  /** A failed beat (Redis briefly away): reported, and the next beat tries again. */
  onError(error: unknown): void;
  /** The task is gone from the store (deleted, or the store wiped): called once, and beating stops. */
  onGone(error: unknown): void;
}

/**
 * Writes `heartbeatAt` into the task every `everyMs` (the first after `everyMs`) while it runs here, so a controller (or
 * another agent) can tell a live task from an orphaned one, and relays the store's stop
 * request, which the update returns for free. Returns a function that stops beating.
 */
export function startHeartbeat(options: HeartbeatOptions): () => Promise<void> {
  let stopped = false;
  let stopSeen = false;
  let inFlight: Promise<void> = Promise.resolve();
  const beat = async (): Promise<void> => {
    try {
      const task = await options.store.update(options.taskId, { heartbeatAt: options.clock.now() });
      if (task.stopRequest && !stopSeen) {
        stopSeen = true;
        options.onStopRequest(task.stopRequest);
      }
      if (isFinal(task.status)) stopped = true;
    } catch (error) {
      if (stopped) return;
      if (!isTaskGone(error, options.taskId)) return options.onError(error);
      stopped = true;
      options.onGone(error);
    }
  };
  // No beat at once: the runner's claim stamps startedAt, which counts as the first sign of life.
  const timer = setInterval(() => {
    if (stopped) return;
    inFlight = inFlight.then(beat);
  }, options.everyMs);
  return async () => {
    stopped = true;
    clearInterval(timer);
    await inFlight;
  };
}

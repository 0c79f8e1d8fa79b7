/** Injected time source, so the store and the study loop are testable and deterministic. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

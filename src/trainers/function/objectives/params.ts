import { HpoError, type Params } from '../../../core/index.ts';

/**
 * Reads a numeric param, falling back to `fallback` when absent. A present but non-numeric
 * value is the user's mistake (a categorical where a number belongs), so it is reported by name.
 */
export function numberParam(params: Params, name: string, fallback: number, objective: string): number {
  const value = params[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new HpoError(
      'OBJECTIVE_PARAM_INVALID',
      `Objective "${objective}": param ${name} must be a finite number, got ${JSON.stringify(value)}. ` +
        `Use float(...) or int(...) for ${name} in the search space.`,
    );
  }
  return value;
}

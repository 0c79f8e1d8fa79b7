import { closestName } from '../core/index.ts';

/**
 * The error for a study whose objective metric a completed trial never reported: it names the
 * metric, the closest name the trial did report, and the fix.
 */
export function missingMetricMessage(metric: string, trialId: string, reported: readonly string[]): string {
  const closest = closestName(metric, reported, { ignoreCase: true });
  const hint = closest ? ` The closest reported scalar is "${closest}".` : '';
  const names = reported.length ? reported.join(', ') : '(none)';
  return (
    `objective.metric "${metric}" was never reported by trial ${trialId}, which completed; it reported: ${names}.${hint} ` +
    `Set objective.metric to one of those names${closest ? ` (e.g. "${closest}")` : ''} and run the study again.`
  );
}

/**
 * The error for a study whose objective metric a completed trial never reported: it names the
 * metric, the closest name the trial did report, and the fix.
 */
export function missingMetricMessage(metric: string, trialId: string, reported: readonly string[]): string {
  const closest = closestName(metric, reported);
  const hint = closest ? ` The closest reported scalar is "${closest}".` : '';
  const names = reported.length ? reported.join(', ') : '(none)';
  return (
    `objective.metric "${metric}" was never reported by trial ${trialId}, which completed; it reported: ${names}.${hint} ` +
    `Set objective.metric to one of those names${closest ? ` (e.g. "${closest}")` : ''} and run the study again.`
  );
}

/** The name nearest to `target` by edit distance (case-insensitive), if any. */
export function closestName(target: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const name of names) {
    const d = editDistance(target.toLowerCase(), name.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}

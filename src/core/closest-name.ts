/** Levenshtein distance (insertions, deletions, substitutions each cost 1). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length];
}

/**
 * The name in `names` nearest to `name` by edit distance, for "did you mean" hints: only within
 * `maxDistance` (default: any), compared case-insensitively with `ignoreCase`. The first of equally
 * near names wins.
 */
export function closestName(name: string, names: readonly string[], options: { maxDistance?: number; ignoreCase?: boolean } = {}): string | undefined {
  const fold = (s: string) => (options.ignoreCase ? s.toLowerCase() : s);
  let best: string | undefined;
  let bestDistance = (options.maxDistance ?? Number.POSITIVE_INFINITY) + 1;
  for (const candidate of names) {
    const d = editDistance(fold(name), fold(candidate));
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

import { z } from 'zod';
import { ConfigError } from './errors.ts';

/**
 * Formats zod issues the way users read them: one line per problem with the received value,
 * then the path. `source` names where the input came from (a file, a flag, a template).
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], source: string): string {
  const lines = [`Invalid ${source}:`];
  for (const issue of issues) {
    const received = 'input' in issue && issue.input !== undefined ? ` (received ${show(receivedAt(issue.input, issue.path))})` : '';
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') message = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}: check the spelling`;
    lines.push(`  ✖ ${message}${issue.code === 'unrecognized_keys' ? '' : received}`);
    if (issue.path.length) lines.push(`    → at ${issue.path.map(String).join('.')}`);
  }
  return lines.join('\n');
}

/** Some issues (a bad discriminator) carry the parent object; show the value at the issue's path instead. */
function receivedAt(input: unknown, path: readonly PropertyKey[]): unknown {
  const last = path.at(-1);
  if (typeof input === 'object' && input !== null && !Array.isArray(input) && typeof last === 'string' && last in input) {
    return (input as Record<string, unknown>)[last];
  }
  return input;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  try {
    const s = JSON.stringify(value);
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return typeof value;
  }
}

/** Parses at a boundary; a failure becomes a ConfigError whose message names path, value and expectation. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, source: string): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (!result.success) throw new ConfigError(formatIssues(result.error.issues, source));
  return result.data;
}

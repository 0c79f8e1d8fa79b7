import { z } from 'zod';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration as seconds (number) or text like `90s`, `30m`, `2h`, `1h30m`; parsed to milliseconds. */
export const durationSchema = z
  .union([z.number().positive({ message: 'must be a positive number of seconds' }), z.string()])
  .transform((value, ctx): number => {
    if (typeof value === 'number') return value * 1000;
    const parts = [...value.trim().matchAll(/(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/g)];
    const ms = parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNITS[unit], 0);
    if (!parts.length || parts.map((p) => p[0]).join('').replace(/\s/g, '') !== value.replace(/\s/g, '') || ms <= 0) {
      ctx.addIssue({ code: 'custom', message: `expected a duration like "90s", "30m" or "2h", got ${JSON.stringify(value)}`, input: value });
      return z.NEVER;
    }
    return ms;
  });

import { expect } from 'vitest';
import type { z } from 'zod';
import { ConfigError } from '../../src/core/index.ts';
import { parseOrThrow } from '../../src/core/parse-input.ts';

/** The ConfigError message `schema` gives for `input` (fails the test if it parses). */
export function configErrorOf(schema: z.ZodType, input: unknown, source: string): string {
  try {
    parseOrThrow(schema, input, source);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

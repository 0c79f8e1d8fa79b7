import { z } from 'zod';
import type { Strategy } from '../src/core/index.ts';
import { RandomStrategy, randomOptionsSchema } from './random.ts';
import { GridStrategy, gridOptionsSchema } from './grid.ts';

/**
 * The strategy registry: one zod schema per strategy (a tagged union on `type`) and one
 * factory. Adding a strategy = its file + one entry in each list below.
 */
export const strategySchema = z.discriminatedUnion('type', [randomOptionsSchema, gridOptionsSchema]);

export type StrategyInput = z.input<typeof strategySchema>;
export type StrategyOptions = z.output<typeof strategySchema>;

export function createStrategy(options: StrategyOptions): Strategy {
  switch (options.type) {
    case 'random':
      return new RandomStrategy();
    case 'grid':
      return new GridStrategy(options);
  }
}

export { RandomStrategy, GridStrategy };

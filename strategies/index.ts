import { z } from 'zod';
import type { Strategy } from '../src/core/index.ts';
import { RandomStrategy, randomOptionsSchema } from './random.ts';
import { GridStrategy, gridOptionsSchema } from './grid.ts';
import { TpeStrategy } from './tpe/sampler.ts';
import { tpeOptionsSchema } from './tpe/options.ts';
import { GpStrategy } from './gp/sampler.ts';
import { gpOptionsSchema } from './gp/options.ts';
import { AutoStrategy, autoOptionsSchema } from './auto.ts';

/**
 * The strategy registry: one zod schema per strategy (a tagged union on `type`) and one
 * factory. Adding a strategy = its file + one entry in each list below.
 */
export const strategySchema = z.discriminatedUnion('type', [autoOptionsSchema, randomOptionsSchema, gridOptionsSchema, tpeOptionsSchema, gpOptionsSchema]);

export type StrategyInput = z.input<typeof strategySchema>;
export type StrategyOptions = z.output<typeof strategySchema>;

/** Builds a strategy from parsed options (parse user input with `strategySchema` first). */
export function createStrategy(options: StrategyOptions): Strategy {
  switch (options.type) {
    case 'auto': {
      const { type: _type, seed: _seed, ...rest } = options;
      return new AutoStrategy(rest);
    }
    case 'random':
      return new RandomStrategy({ sobol: options.sobol });
    case 'grid':
      return new GridStrategy(options);
    case 'tpe': {
      const { type: _type, seed: _seed, ...rest } = options;
      return new TpeStrategy(rest);
    }
    case 'gp': {
      const { type: _type, seed: _seed, ...rest } = options;
      return new GpStrategy(rest);
    }
  }
}

export { AutoStrategy, RandomStrategy, GridStrategy, TpeStrategy, GpStrategy };

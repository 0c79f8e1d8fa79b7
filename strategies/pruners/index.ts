import { z } from 'zod';
import type { Pruner } from '../../src/core/index.ts';

/** Never prunes. */
export class NonePruner implements Pruner {
  readonly name = 'none';
  shouldPrune(): { prune: false } {
    return { prune: false };
  }
}

const noneOptionsSchema = z.strictObject({ type: z.literal('none') });

/** The pruner registry: a tagged union of option schemas and one factory. */
export const prunerSchema = z.discriminatedUnion('type', [noneOptionsSchema]);

export type PrunerInput = z.input<typeof prunerSchema>;
export type PrunerOptions = z.output<typeof prunerSchema>;

export function createPruner(options: PrunerOptions): Pruner {
  switch (options.type) {
    case 'none':
      return new NonePruner();
  }
}

import type { Pruner } from '../../src/core/index.ts';

/** Never prunes: every trial runs to its last epoch. The default when no pruner is configured. */
export class NonePruner implements Pruner {
  readonly name = 'none';
  shouldPrune(): { prune: false } {
    return { prune: false };
  }
}

import { describe, expect, it } from 'vitest';
import { configErrorOf } from '../../helpers/config-error.ts';
import { parseOrThrow } from '../../../src/core/parse-input.ts';
import { AshaPruner, HyperbandPruner, MedianPruner, NonePruner, PercentilePruner, createPruner, prunerSchema } from '../../../strategies/pruners/index.ts';

const parse = (input: unknown) => parseOrThrow(prunerSchema, input, 'pruner');
const message = (input: unknown): string => configErrorOf(prunerSchema, input, 'pruner');

describe('pruner registry', () => {
  it('fills the measured defaults and builds each pruner', () => {
    expect(parse({ type: 'median' })).toEqual({ type: 'median', nStartupTrials: 5, nWarmupEpochs: 5, intervalEpochs: 1, nMinTrials: 1 });
    expect(parse({ type: 'asha' })).toEqual({ type: 'asha', minEpochs: 2, reductionFactor: 2, minEarlyStoppingRate: 0, bootstrapCount: 0 });
    expect(parse({ type: 'hyperband', maxEpochs: 30 })).toEqual({ type: 'hyperband', minEpochs: 3, maxEpochs: 30, reductionFactor: 3, bootstrapCount: 0 });
    expect(createPruner(parse({ type: 'none' }))).toBeInstanceOf(NonePruner);
    expect(createPruner(parse({ type: 'median' }))).toBeInstanceOf(MedianPruner);
    const p = createPruner(parse({ type: 'percentile', percentile: 25, nWarmupEpochs: 2 })) as PercentilePruner;
    expect([p.percentile, p.nWarmupSteps, p.nStartupTrials]).toEqual([25, 2, 5]);
    expect((createPruner(parse({ type: 'asha', minEpochs: 4 })) as AshaPruner).options.minResource).toBe(4);
    expect((createPruner(parse({ type: 'hyperband', maxEpochs: 81, minEpochs: 1 })) as HyperbandPruner).nBrackets).toBe(5);
  });

  it('rejects a reduction factor <= 1, naming the field and the value', () => {
    expect(message({ type: 'asha', reductionFactor: 1 })).toBe(
      'Invalid pruner:\n  ✖ reductionFactor must be > 1: each rung keeps 1/reductionFactor of the trials (try 3) (received 1)\n    → at reductionFactor',
    );
    expect(message({ type: 'hyperband', maxEpochs: 30, reductionFactor: 0.5 })).toContain('(received 0.5)\n    → at reductionFactor');
  });

  it('rejects minEpochs > maxEpochs', () => {
    expect(message({ type: 'hyperband', minEpochs: 10, maxEpochs: 5 })).toBe(
      'Invalid pruner:\n  ✖ minEpochs must be <= maxEpochs (5): lower minEpochs or raise maxEpochs (received 10)\n    → at minEpochs',
    );
    expect(message({ type: 'asha', minEpochs: 10, maxEpochs: 5 })).toContain('→ at minEpochs');
  });

  it('rejects an unknown type, listing the known ones', () => {
    expect(message({ type: 'medain' })).toBe(
      'Invalid pruner:\n  ✖ unknown pruner type "medain": use one of "none", "median", "percentile", "asha", "hyperband", "curve" (received "medain")\n    → at type',
    );
  });

  it('rejects typos, out-of-range values and a missing maxEpochs', () => {
    expect(message({ type: 'median', nWarmupEpoch: 3 })).toBe('Invalid pruner:\n  ✖ unknown key "nWarmupEpoch": check the spelling');
    expect(message({ type: 'percentile', percentile: 150 })).toContain('percentile must be between 0 and 100');
    expect(message({ type: 'percentile', percentile: 150 })).toContain('(received 150)\n    → at percentile');
    expect(message({ type: 'hyperband' })).toBe('Invalid pruner:\n  ✖ maxEpochs is required: the epochs of a full run (args/epochs)\n    → at maxEpochs');
    expect(message({ type: 'median', intervalEpochs: 0 })).toContain('(received 0)\n    → at intervalEpochs');
  });
});

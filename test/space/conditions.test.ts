import { describe, expect, it } from 'vitest';
import { createRng, type Space } from '../../src/core/index.ts';
import { activeNames, categorical, dropInactive, float, isConditional, sampleSpace, samplingOrder, spaceSchema } from '../../src/space/index.ts';
import { configErrorOf } from '../helpers/config-error.ts';

const space: Space = {
  // Children first on purpose: sampling must still decide parents before them.
  'hyp/momentum': float(0.6, 0.98, { when: { 'args/optimizer': 'SGD' } }),
  'args/amsgrad': categorical([true, false], { when: { 'hyp/beta_mode': 'fixed' } }),
  'hyp/beta_mode': categorical(['fixed', 'tuned'], { when: { 'args/optimizer': ['Adam', 'AdamW'] } }),
  'args/optimizer': categorical(['SGD', 'Adam', 'AdamW']),
  'hyp/lr0': float(1e-4, 1e-1, { log: true }),
};

describe('conditional spaces', () => {
  it('orders parents before children and keeps unconditional spaces in key order', () => {
    expect(samplingOrder(space)).toEqual(['args/optimizer', 'hyp/momentum', 'hyp/beta_mode', 'args/amsgrad', 'hyp/lr0']);
    expect(samplingOrder({ b: float(0, 1), a: float(0, 1) })).toEqual(['b', 'a']);
    expect(isConditional(space)).toBe(true);
    expect(isConditional({ a: float(0, 1) })).toBe(false);
  });

  it('follows chains of conditions (nested choices)', () => {
    expect(activeNames(space, { 'args/optimizer': 'SGD', 'hyp/lr0': 0.01, 'hyp/momentum': 0.9 })).toEqual(['hyp/momentum', 'args/optimizer', 'hyp/lr0']);
    expect(activeNames(space, { 'args/optimizer': 'Adam', 'hyp/beta_mode': 'fixed', 'hyp/lr0': 0.01 })).toEqual(['args/amsgrad', 'hyp/beta_mode', 'args/optimizer', 'hyp/lr0']);
    // amsgrad's parent is inactive under SGD even if a stale value says "fixed".
    expect(dropInactive(space, { 'args/optimizer': 'SGD', 'hyp/beta_mode': 'fixed', 'args/amsgrad': true, 'hyp/momentum': 0.9, other: 1 })).toEqual({
      'args/optimizer': 'SGD',
      'hyp/momentum': 0.9,
      other: 1,
    });
  });

  it('samples only active params, and every branch over many draws', () => {
    const rng = createRng(1, 'conditions');
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = sampleSpace(space, rng);
      expect(Object.keys(p).sort()).toEqual(activeNames(space, p).sort());
      seen.add(Object.keys(p).sort().join(','));
    }
    // SGD; Adam/AdamW tuned; Adam/AdamW fixed (+amsgrad).
    expect(seen.size).toBe(3);
  });

  it('rejects a condition on an unknown param, naming the path and the params there are', () => {
    const message = configErrorOf(spaceSchema, { 'hyp/momentum': float(0.6, 0.98, { when: { 'args/optimiser': 'SGD' } }), 'args/optimizer': categorical(['SGD']) }, 'space');
    expect(message).toContain('condition on unknown param "args/optimiser"; the space has: hyp/momentum, args/optimizer');
    expect(message).toContain('→ at hyp/momentum.when.args/optimiser');
  });

  it('rejects a value the parent can never take', () => {
    const message = configErrorOf(spaceSchema, { 'args/optimizer': categorical(['SGD', 'Adam']), 'hyp/momentum': float(0.6, 0.98, { when: { 'args/optimizer': ['SGD', 'RMSProp'] } }) }, 'space');
    expect(message).toContain('"args/optimizer" can never be "RMSProp" (its choices: "SGD", "Adam")');
    expect(message).toContain('→ at hyp/momentum.when.args/optimizer');
    const numeric = configErrorOf(spaceSchema, { 'args/img': float(320, 640), 'hyp/scale': float(0, 1, { when: { 'args/img': 1000 } }) }, 'space');
    expect(numeric).toContain('"args/img" can never be 1000 (a float in [320, 640])');
  });

  it('rejects self-conditions and cycles', () => {
    expect(configErrorOf(spaceSchema, { a: categorical([1, 2], { when: { a: 1 } }) }, 'space')).toContain('"a" cannot be conditioned on itself');
    const cycle = configErrorOf(spaceSchema, { a: categorical([1, 2], { when: { b: 1 } }), b: categorical([1, 2], { when: { a: 1 } }) }, 'space');
    expect(cycle).toContain('conditions form a cycle: a -> b -> a');
  });
});

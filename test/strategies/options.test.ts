import { describe, expect, it } from 'vitest';
import { configErrorOf } from '../helpers/config-error.ts';
import { parseOrThrow } from '../../src/core/parse-input.ts';
import { createStrategy, strategySchema } from '../../strategies/index.ts';

const parse = (input: unknown) => parseOrThrow(strategySchema, input, 'strategy');

const messageOf = (input: unknown): string => configErrorOf(strategySchema, input, 'strategy');

describe('strategy options', () => {
  it('fills defaults and builds every strategy', () => {
    expect(createStrategy(parse({ type: 'tpe' })).name).toBe('tpe-multivariate');
    expect(createStrategy(parse({ type: 'tpe', multivariate: false })).name).toBe('tpe');
    expect(createStrategy(parse({ type: 'gp' })).name).toBe('gp');
    expect(createStrategy(parse({ type: 'random', sobol: true })).name).toBe('random-sobol');
    expect(createStrategy(parse({ type: 'grid' })).name).toBe('grid');
    expect(parse({ type: 'tpe' })).toMatchObject({ nStartupTrials: 10, nEiCandidates: 24, gamma: 0.15, priorWeight: 1 });
  });

  it('rejects gamma <= 0 naming the field and the value', () => {
    expect(messageOf({ type: 'tpe', gamma: 0 })).toBe('Invalid strategy:\n  ✖ gamma must be > 0 (a fraction of trials, e.g. 0.1) (received 0)\n    → at gamma');
    expect(messageOf({ type: 'tpe', gamma: -0.5 })).toContain('(received -0.5)');
  });

  it("fills TPE's parallel and kernel defaults and names a bad value", () => {
    expect(parse({ type: 'tpe' })).toMatchObject({ bandwidth: 'scott', kernelScore: 'density', whileRunning: 'explore' });
    const message = messageOf({ type: 'tpe', whileRunning: 'always' });
    expect(message).toContain('at whileRunning');
    expect(message).toContain('expected one of "same"|"explore" (received "always")');
    expect(messageOf({ type: 'tpe', kernelScore: 'peak' })).toContain('expected one of "density"|"height" (received "peak")');
  });

  it('rejects nStartupTrials < 1 for tpe and gp', () => {
    expect(messageOf({ type: 'tpe', nStartupTrials: 0 })).toBe('Invalid strategy:\n  ✖ nStartupTrials must be an integer >= 1 (received 0)\n    → at nStartupTrials');
    expect(messageOf({ type: 'gp', nStartupTrials: 0 })).toContain('nStartupTrials must be an integer >= 1 (received 0)');
  });

  it('rejects an unknown strategy name', () => {
    const message = messageOf({ type: 'cmaes' });
    expect(message).toContain("Invalid discriminator value. Expected 'auto' | 'random' | 'grid' | 'tpe' | 'gp'");
    expect(message).toContain('"cmaes"');
  });

  it('rejects misspelled options (strict objects)', () => {
    expect(messageOf({ type: 'tpe', nStartup: 5 })).toContain('unknown key "nStartup": check the spelling');
    expect(messageOf({ type: 'gp', outputWarp: 'sqrt' })).toContain('(received "sqrt")');
  });
});

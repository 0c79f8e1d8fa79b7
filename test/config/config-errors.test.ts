import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, loadTemplate, resolveConfig } from '../../src/config/index.ts';
import { parseRunFlags } from '../../src/cli/context.ts';
import { assertQueueName } from '../../src/exec/queue/queue-keys.ts';
import { tempDir, writeConfig } from '../helpers/temp.ts';

const space = { 'hyp/lr0': { type: 'float', low: 1e-4, high: 0.1, log: true } };

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect((error as { code?: string }).code).toBe('CONFIG_INVALID');
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('config validation messages', () => {
  it('fills every default from a minimal config', () => {
    const config = resolveConfig({ space });
    expect(config.objective).toEqual({ metric: 'metrics/mAP_0.5:0.95', direction: 'maximize', mode: 'last' });
    expect(config.strategy).toMatchObject({ type: 'auto' });
    expect(config.objectives).toEqual([config.objective]);
    expect(config.constraints).toEqual([]);
    expect(config.pruner).toEqual({ type: 'none' });
    expect(config.budget.maxTrials).toBe(20);
    expect(config.execution).toEqual({ type: 'local', graceSeconds: 10 });
  });

  it('turns a mistyped key into an error naming it', () => {
    expect(messageOf(() => resolveConfig({ space, budgt: { maxTrials: 3 } }, 'hpo.config.ts'))).toMatchInlineSnapshot(`
      "Invalid hpo.config.ts:
        ✖ unknown key "budgt": check the spelling"
    `);
  });

  it('applies the queue code\'s one queue-name rule: a name the config accepts, enqueueing accepts', () => {
    expect(messageOf(() => resolveConfig({ space, execution: { type: 'queue', queue: 'gpu.a' } }))).toMatchInlineSnapshot(`
      "Invalid config:
        ✖ queue names are 1-64 characters of [A-Za-z0-9_-], e.g. "gpu" or "services" (received "gpu.a")
          → at execution.queue"
    `);
    const config = resolveConfig({ space, execution: { type: 'queue', queue: 'gpu_a-1' } });
    expect(() => assertQueueName((config.execution as { queue: string }).queue)).not.toThrow();
    expect(() => assertQueueName('gpu.a')).toThrow(/queue names are 1-64 characters of \[A-Za-z0-9_-\]/);
  });

  it('rejects low >= high with both values', () => {
    expect(messageOf(() => resolveConfig({ space: { 'hyp/lr0': { type: 'float', low: 0.1, high: 0.01 } } }))).toMatchInlineSnapshot(`
      "Invalid config:
        ✖ low must be < high, got low=0.1 high=0.01 (received 0.1)
          → at space.hyp/lr0.low"
    `);
  });

  it('rejects a log scale with low <= 0', () => {
    expect(messageOf(() => resolveConfig({ space: { 'hyp/lr0': { type: 'float', low: 0, high: 0.1, log: true } } }))).toMatchInlineSnapshot(`
      "Invalid config:
        ✖ log scale needs low > 0, got low=0 (received 0)
          → at space.hyp/lr0.low"
    `);
  });

  it('rejects an empty categorical', () => {
    expect(messageOf(() => resolveConfig({ space: { 'hyp/mixup': { type: 'categorical', choices: [] } } }))).toMatchInlineSnapshot(`
      "Invalid config:
        ✖ categorical needs at least one choice, got an empty list (received [])
          → at space.hyp/mixup.choices"
    `);
  });

  it('names the path and the received value for a wrong type', () => {
    expect(messageOf(() => resolveConfig({ space, budget: { maxTrials: 'ten' } }))).toMatchInlineSnapshot(`
      "Invalid config:
        ✖ Invalid input: expected number, received string (received "ten")
          → at budget.maxTrials"
    `);
  });

  it('rejects an unknown strategy type', () => {
    expect(messageOf(() => resolveConfig({ space, strategy: { type: 'bayes' } }))).toContain('→ at strategy.type');
  });

  it('rejects --trials 0 naming the flag', () => {
    expect(messageOf(() => parseRunFlags({ trials: '0' }))).toMatchInlineSnapshot(`
      "Invalid flags:
        ✖ --trials must be >= 1 (received 0)
          → at trials"
    `);
  });

  it('accepts durations as text or seconds', () => {
    expect(resolveConfig({ space, budget: { trialTimeout: '1h30m', totalTime: 90 } }).budget).toMatchObject({ trialTimeout: 5_400_000, totalTime: 90_000 });
    expect(messageOf(() => resolveConfig({ space, budget: { trialTimeout: '10 minutes' } }))).toContain('expected a duration like "90s", "30m" or "2h", got "10 minutes"');
  });
});

describe('config and template files', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  it('loads a TypeScript config without a build step and applies overrides', async () => {
    await writeFile(path.join(dir, 'hpo.config.ts'), `const trials: number = 7;\nexport default { space: ${JSON.stringify(space)}, budget: { maxTrials: trials } };\n`);
    const { config } = await loadConfig({ cwd: dir, overrides: { seed: 5, budget: { concurrency: 3 } } });
    expect(config.budget).toMatchObject({ maxTrials: 7, concurrency: 3 });
    expect(config.seed).toBe(5);
  });

  it('says where it looked when no config exists', async () => {
    await expect(loadConfig({ cwd: dir })).rejects.toThrow(/No config file found in .* \(looked for hpo\.config\.ts, hpo\.config\.mts, hpo\.config\.js, hpo\.config\.mjs\)/);
  });

  it('names the file in validation errors', async () => {
    await writeConfig(dir, { space, strategy: { type: 'random', sed: 1 } });
    await expect(loadConfig({ cwd: dir })).rejects.toThrow('Invalid hpo.config.ts:\n  ✖ unknown key "sed": check the spelling\n    → at strategy');
  });

  it('rejects a template file that does not exist or exports nothing', async () => {
    await expect(loadTemplate(path.join(dir, 'nope.ts'))).rejects.toThrow(/template not found: .*nope\.ts/);
    await writeFile(path.join(dir, 'empty.ts'), 'export const x = 1;\n');
    await expect(loadTemplate(path.join(dir, 'empty.ts'))).rejects.toThrow(/has no default export\. Add `export default defineTemplate\(\{ \.\.\. \}\)`/);
  });
});

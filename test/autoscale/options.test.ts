import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { autoscaleSchema } from '../../src/config/autoscale-schema.ts';
import { configSchema } from '../../src/config/schema.ts';
import { parseOrThrow } from '../../src/core/index.ts';
import { BIN, tempDir, writeConfig } from '../helpers/temp.ts';

const message = (input: unknown): string => {
  try {
    parseOrThrow(autoscaleSchema, input, 'hpo.config.ts autoscale');
  } catch (error) {
    return (error as Error).message;
  }
  return 'no error';
};

describe('autoscale options', () => {
  it('fills defaults, durations in milliseconds', () => {
    const o = autoscaleSchema.parse({});
    expect(o).toMatchObject({ queues: ['default'], min: 0, max: 4, idle: 300_000, cooldown: 30_000, poll: 5_000, stopTimeout: 120_000, slots: 1, provider: { type: 'local', agentArgs: [] } });
    expect(o.budget).toBeUndefined();
    expect(autoscaleSchema.parse({ budget: '20h', idle: '2s' })).toMatchObject({ budget: 72_000_000, idle: 2_000 });
  });

  it('names the field, the value and what is expected', () => {
    expect(message({ max: 0 })).toBe('Invalid hpo.config.ts autoscale:\n  ✖ max must be >= 1 (received 0)\n    → at max');
    expect(message({ min: 3, max: 2 })).toContain('✖ min must be <= max (max is 2) (received 3)\n    → at min');
    expect(message({ idle: '5 minutes' })).toContain('expected a duration like "90s", "30m" or "2h", got "5 minutes"');
    expect(message({ queues: ['gpu:a'] })).toMatch(/queue names are 1-64 characters of \[A-Za-z0-9_-\].* \(received "gpu:a"\)\n    → at queues.0/);
    expect(message({ provider: { type: 'local', gpus: ['0', '1'] }, max: 3 })).toContain('max must be <= the number of provider.gpus');
    expect(message({ provider: { type: 'command', start: { argv: [] }, stop: { argv: ['x'] }, list: { argv: ['y'] } } })).toContain('an argv needs at least the program');
    expect(message({ provider: { type: 'aws' } })).toContain('→ at provider.type');
    expect(message({ idel: '5m' })).toContain('unknown key "idel": check the spelling');
  });

  it('is part of the study config, so hpo.config.ts may carry it', () => {
    const space = { x: { type: 'float', low: 0, high: 1 } };
    expect(configSchema.parse({ space, autoscale: { max: 2 } }).autoscale?.max).toBe(2);
    expect(configSchema.safeParse({ space, autoscale: { max: -1 } }).success).toBe(false);
  });

  describe('from the CLI', () => {
    let dir: string;
    let cleanup: () => Promise<void>;
    beforeEach(async () => ({ dir, cleanup } = await tempDir()));
    afterEach(async () => cleanup());

    it('flags win over the config file, and a bad value exits 1 with the field named', async () => {
      await writeConfig(dir, { space: { x: { type: 'float', low: 0, high: 1 } }, autoscale: { queues: ['gpu'], max: 2, min: 1 } });
      const r = spawnSync(process.execPath, [BIN, 'autoscale', '--max', '0'], { cwd: dir, encoding: 'utf8', env: { ...process.env, HPO_HOME: `${dir}/.hpo` } });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('Invalid autoscale options (hpo.config.ts and flags):\n  ✖ max must be >= 1 (received 0)\n    → at max');
      const k8s = spawnSync(process.execPath, [BIN, '--store', 'redis://r:6379', 'autoscale', '--max', '3', '--print-k8s'], { cwd: dir, encoding: 'utf8' });
      expect(k8s.status, k8s.stderr).toBe(0);
      expect(k8s.stdout).toContain('maxReplicaCount: 3');
      expect(k8s.stdout).toContain('minReplicaCount: 1');
      expect(k8s.stdout).toContain('listName: hpo:q:gpu:wait');
    });
  });
});
